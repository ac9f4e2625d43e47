using System.Text;
using AuthServer.Protocol;
using Microsoft.AspNetCore;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// HTTP Basic client authentication (RFC 6749 §2.3.1) checked before OpenIddict reads it. A Basic header that cannot be
/// read (no colon, bad base64, two Authorization headers) is a failed client authentication: 401 `invalid_client`, which
/// OpenIddict sends with `WWW-Authenticate: Basic` (§5.2); OpenIddict alone answers 400 `invalid_request`. A `client_id`
/// in the body that names another client than the header is refused: OpenIddict would silently drop it, and the request
/// would then be judged as one client while it claims to be another.
/// </summary>
public static class BasicClientCredentials
{
    /// <summary>For the token and revocation endpoints, just before OpenIddict reads the header.</summary>
    public static OpenIddictServerHandlerDescriptor TokenDescriptor { get; } = Descriptor<ExtractTokenRequestContext>();

    public static OpenIddictServerHandlerDescriptor RevocationDescriptor { get; } = Descriptor<ExtractRevocationRequestContext>();

    private static OpenIddictServerHandlerDescriptor Descriptor<TContext>() where TContext : BaseValidatingContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<Check<TContext>>()
            .SetOrder(HandlerOrder.JustBefore(OpenIddictServerAspNetCoreHandlers.ExtractBasicAuthenticationCredentials<TContext>.Descriptor))
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    private sealed class Check<TContext> : IOpenIddictServerHandler<TContext> where TContext : BaseValidatingContext
    {
        public ValueTask HandleAsync(TContext context)
        {
            if (context.Transaction.GetHttpRequest() is not { } http || context.Transaction.Request is not { } request)
            {
                return default;
            }

            var headers = http.Headers.Authorization;
            if (headers.Count == 0 || !headers.Any(IsBasic))
            {
                return default;
            }

            if (headers.Count > 1 || ClientIdOf(headers[0]!) is not { } clientId)
            {
                context.Reject(Errors.InvalidClient, "The HTTP Basic client credentials cannot be read.");
            }
            else if (!string.IsNullOrEmpty(request.ClientId) && !string.Equals(request.ClientId, clientId, StringComparison.Ordinal))
            {
                context.Reject(Errors.InvalidRequest, "The client_id in the body differs from the one in the Authorization header.");
            }

            return default;
        }

        private static bool IsBasic(string? header) => header?.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) == true;

        /// <summary>The user part of `Basic base64(client_id:client_secret)`, form-decoded as §2.3.1 requires; null when malformed.</summary>
        private static string? ClientIdOf(string header)
        {
            var encoded = header["Basic ".Length..].Trim();
            var buffer = new byte[encoded.Length];
            if (!Convert.TryFromBase64String(encoded, buffer, out var length))
            {
                return null;
            }

            var pair = Encoding.UTF8.GetString(buffer, 0, length);
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : Uri.UnescapeDataString(pair[..colon].Replace('+', ' '));
        }
    }
}
