using AuthServer.ResourceServer;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace ResourceApi.OpenIddict;

/// <summary>
/// OpenIddict.Validation reads the issuer's keys from AuthServer's <see cref="IssuerKeys"/>, which the revocation feed's
/// key events keep current (a rotated key fetched before it signs, a revoked one dropped at once) and which fetches an
/// unknown kid within limits a forged token cannot spend. OpenIddict's own IdentityModel manager would refresh on an
/// unknown kid once per 5 minutes, an allowance one forged token uses up.
/// </summary>
public static class FeedDrivenKeys
{
    /// <summary>Before OpenIddict resolves the configuration for the request: by then the token's key is fetched if it is new.</summary>
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; } = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
        .UseSingletonHandler<FetchUnknownKey>()
        .SetOrder(OpenIddictValidationHandlers.ResolveServerConfiguration.Descriptor.Order - 500)
        .SetType(OpenIddictValidationHandlerType.Custom)
        .Build();

    /// <summary>OpenIddict's view of <see cref="IssuerKeys"/>: converted once per fetched set.</summary>
    public sealed class Manager(IssuerKeys keys) : IConfigurationManager<OpenIddictConfiguration>
    {
        private (OpenIdConnectConfiguration Source, OpenIddictConfiguration Converted)? _last;

        public async Task<OpenIddictConfiguration> GetConfigurationAsync(CancellationToken cancel)
        {
            var source = await keys.GetConfigurationAsync(cancel);
            if (_last is { } last && ReferenceEquals(last.Source, source))
            {
                return last.Converted;
            }

            var converted = new OpenIddictConfiguration
            {
                Issuer = new Uri(source.Issuer, UriKind.Absolute),
                JsonWebKeySetUri = source.JwksUri is { Length: > 0 } jwks ? new Uri(jwks, UriKind.Absolute) : null,
                TokenEndpoint = source.TokenEndpoint is { Length: > 0 } token ? new Uri(token, UriKind.Absolute) : null,
            };
            converted.SigningKeys.AddRange(source.SigningKeys);
            _last = (source, converted);
            return converted;
        }

        /// <summary>Nothing: OpenIddict asks after every token with an unknown key, forged or not; <see cref="FetchUnknownKey"/> came first.</summary>
        public void RequestRefresh()
        {
        }
    }

    private sealed class FetchUnknownKey(IssuerKeys keys) : IOpenIddictValidationHandler<ProcessAuthenticationContext>
    {
        public async ValueTask HandleAsync(ProcessAuthenticationContext context)
        {
            if (context.AccessToken is { Length: > 0 } token)
            {
                await keys.EnsureKnownAsync(IssuerKeys.KidOf(token), context.CancellationToken);
            }
        }
    }
}
