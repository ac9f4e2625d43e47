using System.Text.RegularExpressions;
using OpenIddict.Abstractions;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace AuthServer.Observability;

public static partial class LoggingSetup
{
    /// <summary>
    /// Catches what goes wrong before configuration is read, and the reason the process stops. Its level follows
    /// `Serilog__MinimumLevel__Default` from the environment, so Debug brings back the stack traces it otherwise omits.
    /// </summary>
    public static Serilog.ILogger CreateBootstrapLogger() => new LoggerConfiguration()
        .MinimumLevel.Is(Enum.TryParse<LogEventLevel>(Environment.GetEnvironmentVariable("Serilog__MinimumLevel__Default"), ignoreCase: true, out var level)
            ? level
            : LogEventLevel.Information)
        .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture)
        .CreateLogger();

    /// <summary>
    /// Serilog from the `Serilog` section, plus any sink registered in DI (tests capture events that way).
    /// The static logger is left alone, so several hosts can live in one process.
    /// </summary>
    public static WebApplicationBuilder AddLogging(this WebApplicationBuilder builder)
    {
        var stackTraces = builder.Configuration["Serilog:MinimumLevel:Default"] is "Debug" or "Verbose";
        builder.Services.AddSerilog(
            (services, logger) => logger
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.With<RedactCodeVerifier>()
                .Enrich.With<RedactQueryStringTokens>()
                .Filter.ByExcluding(IsTokenDump)
                .Filter.ByExcluding(logEvent => !stackTraces && IsStartFailureTrace(logEvent)),
            preserveStaticLogger: true);
        return builder;
    }

    /// <summary>
    /// The host logs a failed start (a port in use, a missing certificate) with the whole stack trace, and then the
    /// background services it cancels on the way down as "faulted"; Program logs the reason in one line right after,
    /// so these traces are kept for Debug, where an operator asked for them.
    /// </summary>
    private static bool IsStartFailureTrace(LogEvent logEvent) =>
        logEvent.Exception is not null
        && logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: "Microsoft.Extensions.Hosting.Internal.Host" }
        && (logEvent.Exception is OperationCanceledException || EventName(logEvent) == "HostedServiceStartupFaulted");

    private static string? EventName(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("EventId", out var eventId) && eventId is StructureValue id
            ? id.Properties.FirstOrDefault(p => p.Name == "Name")?.Value is ScalarValue { Value: string name } ? name : null
            : null;

    /// <summary>
    /// OpenIddict's debug and trace events print token payloads and the claims behind them (the security stamp
    /// among them). No log level may let those out, so they are dropped whatever the configuration says.
    /// </summary>
    private static bool IsTokenDump(LogEvent logEvent) =>
        logEvent.Level < LogEventLevel.Information
        && logEvent.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: string name }
        && name.StartsWith("OpenIddict", StringComparison.Ordinal);

    /// <summary>
    /// OpenIddict logs each request at Information with secrets masked, but not the PKCE code_verifier (RFC 7636 §4.5):
    /// with a leaked code, it is all an attacker needs, so it is masked here too.
    /// </summary>
    private sealed partial class RedactCodeVerifier : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
            Redact(logEvent, text => text.Contains(OpenIddictConstants.Parameters.CodeVerifier, StringComparison.Ordinal), text => CodeVerifierValue().Replace(text, "$1\"[redacted]\""));

        [GeneratedRegex("(\"code_verifier\"\\s*:\\s*)\"[^\"]*\"")]
        private static partial Regex CodeVerifierValue();
    }

    /// <summary>
    /// The framework's "Request starting" event carries the query string, written before any endpoint runs: a token
    /// there (refused by Hosting/QueryStringTokens, RFC 6750 §2.3) or a logout URL's id_token_hint is masked here.
    /// </summary>
    private sealed partial class RedactQueryStringTokens : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) =>
            Redact(logEvent, text => text.Contains("_token", StringComparison.OrdinalIgnoreCase), text => TokenParameter().Replace(text, "$1[redacted]"));

        [GeneratedRegex("((?:access|refresh|id)_token(?:_hint)?=)[^&\\s\"]*", RegexOptions.IgnoreCase)]
        private static partial Regex TokenParameter();
    }

    /// <summary>
    /// Replaces the text properties <paramref name="matches"/> picks. Every event passes here, so the properties are read
    /// without copying them; a copy is made only in the rare event that has something to redact.
    /// </summary>
    private static void Redact(LogEvent logEvent, Func<string, bool> matches, Func<string, string> redact)
    {
        List<LogEventProperty>? redacted = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (value is ScalarValue { Value: string text } && matches(text))
            {
                (redacted ??= []).Add(new LogEventProperty(name, new ScalarValue(redact(text))));
            }
        }

        foreach (var property in redacted ?? [])
        {
            logEvent.AddOrUpdateProperty(property);
        }
    }

    /// <summary>One line per request: method, path (never the query string), status, time and client address.</summary>
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app) => app.UseSerilogRequestLogging(options =>
    {
        options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed:0.0} ms";

        // The configured logger, not the static bootstrap one (kept for multi-host processes), or the request line
        // would skip the configured sinks, format and enrichers.
        options.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();

        // Also set here, so the request line keeps the address even if the middleware order changes.
        options.EnrichDiagnosticContext = (diagnostics, context) => diagnostics.Set(ClientAddress.Property, ClientAddress.Of(context));
        options.GetLevel = (context, _, exception) => exception is not null || context.Response.StatusCode >= 500
            ? LogEventLevel.Error
            : context.Request.Path.StartsWithSegments("/health") ? LogEventLevel.Verbose : LogEventLevel.Information;
    });
}
