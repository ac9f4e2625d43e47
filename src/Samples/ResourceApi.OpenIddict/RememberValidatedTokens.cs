using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Validation;
using static OpenIddict.Validation.OpenIddictValidationEvents;
using static OpenIddict.Validation.OpenIddictValidationHandlers.Protection;

namespace ResourceApi.OpenIddict;

/// <summary>
/// A client sends the same access token for up to 15 minutes, and checking its signature again each time is most of
/// what protecting an endpoint costs. A token that passed every check is remembered, by its exact text, until its
/// expiry; on a hit only the signature check is skipped: the remembered identity is a copy taken before OpenIddict's
/// own claim mapping, and lifetime, audience and the revocation feed are checked again on every request. A hit also
/// needs the signing key still published, so a key withdrawn from the JWKS stops its tokens at the next refresh.
/// Failures are never remembered.
/// </summary>
public static class RememberValidatedTokens
{
    private const string Checked = "authserver:checked-identity";

    public static IEnumerable<OpenIddictValidationHandlerDescriptor> Descriptors { get; } =
    [
        OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<Recall>()
            .SetOrder(ValidateIdentityModelToken.Descriptor.Order - 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build(),
        OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<Capture>()
            .SetOrder(ValidateIdentityModelToken.Descriptor.Order + 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build(),
        // Last in the pipeline: it runs only when no check after the signature refused the token.
        OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<Remember>()
            .SetOrder(int.MaxValue - 100_000)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build(),
    ];

    /// <summary>The cache, bounded by entry count (each entry has size 1); a capacity of 0 turns it off.</summary>
    public sealed class Store(int capacity) : IDisposable
    {
        public MemoryCache? Cache { get; } = capacity > 0 ? new MemoryCache(new MemoryCacheOptions { SizeLimit = capacity, TrackStatistics = true }) : null;

        /// <summary>Requests answered from memory (what the tests and a curious operator look at).</summary>
        public long Hits => Cache?.GetCurrentStatistics()?.TotalHits ?? 0;

        public void Dispose() => Cache?.Dispose();
    }

    private sealed record Entry(ClaimsPrincipal Principal, string KeyId);

    // ClaimsPrincipal.Clone shares its identities, and OpenIddict adds claims to them: copy each identity.
    private static ClaimsPrincipal Copy(ClaimsPrincipal principal) => new(principal.Identities.Select(identity => identity.Clone()));

    private sealed class Recall(Store store) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (store.Cache is { } cache && context.Principal is null && context.Token is { } token && cache.TryGetValue(token, out Entry? entry))
            {
                if (context.Configuration.SigningKeys.Any(key => string.Equals(key.KeyId, entry!.KeyId, StringComparison.Ordinal)))
                {
                    context.Principal = Copy(entry!.Principal);
                    context.Transaction.Properties[Checked] = null;
                }
                else
                {
                    cache.Remove(token);
                }
            }

            return default;
        }
    }

    private sealed class Capture(Store store) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (store.Cache is not null && context.Principal is { } principal && !context.Transaction.Properties.ContainsKey(Checked))
            {
                context.Transaction.Properties[Checked] = Copy(principal);
            }

            return default;
        }
    }

    private sealed class Remember(Store store) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (store.Cache is { } cache && context.Token is { } token
                && context.Transaction.Properties.Remove(Checked, out var value) && value is ClaimsPrincipal principal)
            {
                var jwt = new JsonWebToken(token);
                cache.Set(token, new Entry(principal, jwt.Kid), new MemoryCacheEntryOptions
                {
                    Size = 1,
                    AbsoluteExpiration = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero),
                });
            }
            else
            {
                context.Transaction.Properties.Remove(Checked);
            }

            return default;
        }
    }
}
