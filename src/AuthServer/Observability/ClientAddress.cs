using Serilog.Context;

namespace AuthServer.Observability;

/// <summary>
/// Puts the client's address on every log event of a request (audit events and the request line included), so each
/// security event can be traced to a source without every call site passing it.
/// </summary>
public static class ClientAddress
{
    public const string Property = "ClientAddress";

    /// <summary>The connection's address, which is the client's only when a trusted proxy said so; "unknown" when the host has none (in-memory test server).</summary>
    public static string Of(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Right after the forwarded headers, so the address is the one they settled on and every later event carries it.</summary>
    public static IApplicationBuilder UseClientAddressInLogs(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        using (LogContext.PushProperty(Property, Of(context)))
        {
            await next(context);
        }
    });
}
