using Serilog.Events;

namespace AuthServer.Tests.Infrastructure;

/// <summary>The event id of a server log event (Microsoft.Extensions.Logging's EventId, as Serilog records it).</summary>
public static class LogEventIds
{
    public static int? Of(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("EventId", out var value) && value is StructureValue s
            && s.Properties.FirstOrDefault(p => p.Name == "Id")?.Value is ScalarValue { Value: int id } ? id : null;
}
