using AuthServer.Cli;

return await Cli.RunAsync(args, Console.Out, Console.Error, input: Console.In);
