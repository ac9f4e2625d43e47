using AuthServer.Benchmarks;
using BenchmarkDotNet.Running;

// Each benchmark class pairs a hot piece of the server with the raw primitive under it, so the overhead reads as a ratio.
BenchmarkSwitcher.FromAssembly(typeof(TokenBenchmarks).Assembly).Run(args);
