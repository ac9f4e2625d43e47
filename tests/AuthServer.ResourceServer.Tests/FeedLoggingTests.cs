using System.Collections.Concurrent;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static AuthServer.ResourceServer.Tests.Infrastructure.FeedServers;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// A sample API polls the feed every second: at rest it logs nothing per poll (its HttpClient lines used to be eight a
/// poll), and an outage is told once, when it starts, and once when it ends.
/// </summary>
public sealed class FeedLoggingTests(FeedServers feed) : IClassFixture<FeedServers>
{
    private const string FeedClients = "System.Net.Http.HttpClient.AuthServer.";

    [Theory]
    [InlineData(Sample.JwtBearer)]
    [InlineData(Sample.OpenIddict)]
    public async Task At_rest_a_poll_logs_nothing_and_an_outage_is_logged_once(Sample sample)
    {
        var backchannel = new Backchannel(feed.Server);
        var logs = new Capture();
        using var api = SampleApi.Start(sample, backchannel, ResourceServers.Authority, settings: FeedOn, services: s => s.AddSingleton<ILoggerProvider>(logs));
        _ = api.Services; // starts the host, and with it the poller

        await PollsAsync(backchannel, 3);
        Assert.DoesNotContain(logs.Lines, l => l.Category.StartsWith(FeedClients, StringComparison.Ordinal));

        // An outage of several failed polls (one a second): still told once.
        var refused = backchannel.RefusedPolls + 3;
        backchannel.Down = true;
        await Eventually.TrueAsync(
            () => backchannel.RefusedPolls >= refused && logs.Lines.Any(l => l.Category == typeof(RevocationFeed).FullName && l.EventId == 2024),
            "The outage did not last three failed polls or was never logged",
            TimeSpan.FromSeconds(15));
        backchannel.Down = false;
        await PollsAsync(backchannel, 2);

        Assert.DoesNotContain(logs.Lines, l => l.Category.StartsWith(FeedClients, StringComparison.Ordinal));
        Assert.Single(logs.Lines, l => l.Category == typeof(RevocationFeed).FullName && l.EventId == 2024 && l.Level == LogLevel.Warning);
        Assert.Single(logs.Lines, l => l.Category == typeof(RevocationFeed).FullName && l.EventId == 2025);
    }

    [Fact]
    public async Task An_api_that_names_the_feed_clients_category_gets_their_lines_back()
    {
        var backchannel = new Backchannel(feed.Server);
        var logs = new Capture();
        var settings = new Dictionary<string, string>(FeedOn) { ["Logging:LogLevel:" + FeedClients + "RevocationFeed"] = "Information" };
        using var api = SampleApi.Start(Sample.JwtBearer, backchannel, ResourceServers.Authority, settings: settings, services: s => s.AddSingleton<ILoggerProvider>(logs));
        _ = api.Services;

        await PollsAsync(backchannel, 2);

        Assert.Contains(logs.Lines, l => l.Category.StartsWith(FeedClients + "RevocationFeed.", StringComparison.Ordinal) && l.Level == LogLevel.Information);
    }

    private sealed record Line(string Category, LogLevel Level, int EventId, string Message);

    /// <summary>Every line the API's logging lets through (its filter rules apply to this provider like to the console).</summary>
    private sealed class Capture : ILoggerProvider
    {
        private readonly ConcurrentQueue<Line> _lines = new();

        public IReadOnlyCollection<Line> Lines => _lines.ToArray();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(new Line(category, logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}
