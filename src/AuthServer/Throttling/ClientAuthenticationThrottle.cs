using System.Net.Http.Headers;
using System.Text;
using AuthServer.Observability;
using AuthServer.Protocol;
using AuthServer.Tokens;
using Microsoft.AspNetCore;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Throttling;

/// <summary>
/// Guessing a confidential client's secret: each `invalid_client` answer uses up one permit of that client at that
/// source (OpenIddict reports them as they leave), and without permits the source is refused with 429 before the
/// credentials are even looked at, so the next guesses cost nothing and prove nothing. Per source as well as per
/// client, so that a stranger's guesses cannot shut the real client out.
/// </summary>
public static partial class ClientAuthenticationThrottle
{
    public static IApplicationBuilder UseClientAuthenticationThrottle(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method)
            && (context.Request.Path == Endpoints.Token || context.Request.Path == Endpoints.Revocation)
            && await ClientIdAsync(context.Request) is { Length: > 0 and <= MaxClientIdLength } clientId
            && context.RequestServices.GetRequiredService<SignInLimits>().IsClientBlocked(Partition(clientId, context), out var retryAfter))
        {
            context.RequestServices.GetRequiredService<AuthMetrics>().SignInThrottled("client");
            Audit.ClientAuthenticationThrottled(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientAuthenticationThrottle)), clientId);
            await TooManyRequests.OAuthError(context.Response, retryAfter).ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>No client id is longer; a longer one names no client, and must not become a limiter key or a log line.</summary>
    private const int MaxClientIdLength = Persistence.BrowserSession.ClientIdLength;

    private static string Partition(string clientId, HttpContext context) => $"{clientId}\n{SourceAddress.Of(context)}";

    public static OpenIddictServerHandlerDescriptor TokenDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
        .UseSingletonHandler<CountFailures>().SetOrder(HandlerOrder.FirstOnResponse).SetType(OpenIddictServerHandlerType.Custom).Build();

    public static OpenIddictServerHandlerDescriptor RevocationDescriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyRevocationResponseContext>()
        .UseSingletonHandler<CountFailures>().SetOrder(HandlerOrder.FirstOnResponse).SetType(OpenIddictServerHandlerType.Custom).Build();

    /// <summary>The client id as OpenIddict will read it: the form's client_id, or the user part of HTTP Basic (RFC 6749 §2.3.1).</summary>
    private static async Task<string?> ClientIdAsync(HttpRequest request)
    {
        if (AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            && string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)
            && header.Parameter is { } parameter)
        {
            var buffer = new byte[parameter.Length];
            if (Convert.TryFromBase64String(parameter, buffer, out var length) && Encoding.UTF8.GetString(buffer, 0, length) is var pair && pair.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon)
            {
                return Uri.UnescapeDataString(pair[..colon].Replace('+', ' '));
            }
        }

        return request.HasFormContentType ? (await request.ReadFormAsync(request.HttpContext.RequestAborted))[Parameters.ClientId].ToString() : null;
    }

    private sealed class CountFailures(SignInLimits limits) : IOpenIddictServerHandler<ApplyTokenResponseContext>, IOpenIddictServerHandler<ApplyRevocationResponseContext>
    {
        public ValueTask HandleAsync(ApplyTokenResponseContext context) => Count(context.Response.Error, context.Request?.ClientId, context.Transaction);

        public ValueTask HandleAsync(ApplyRevocationResponseContext context) => Count(context.Response.Error, context.Request?.ClientId, context.Transaction);

        private ValueTask Count(string? error, string? clientId, OpenIddictServerTransaction transaction)
        {
            if (error == Errors.InvalidClient && clientId is { Length: > 0 and <= MaxClientIdLength } && transaction.GetHttpRequest() is { } request)
            {
                limits.ClientFailed(Partition(clientId, request.HttpContext));
            }

            return default;
        }
    }
}
