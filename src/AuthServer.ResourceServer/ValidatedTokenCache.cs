using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer;

/// <summary>
/// A client sends the same access token with every call for up to 15 minutes, and verifying its signature and claims
/// again each time is most of what protecting an endpoint costs. This remembers tokens that passed full validation,
/// keyed by their exact text, until their own expiry. A hit still checks that the signing key is published (a key
/// withdrawn from the JWKS stops its tokens at the next metadata refresh) and returns a copy of the identity, so
/// nothing one request adds leaks into the next. Failures are never remembered. Bounded (a <see cref="MemoryCache"/> with a
/// size limit): when full, a new token is not remembered and the cache compacts away the least recently used tenth.
/// With the revocation feed on, the <see cref="RevocationList"/> is consulted before a hit is returned and after a full
/// validation, so a cached token of a revoked session is refused like a fresh one. A capacity of 0 caches nothing.
/// </summary>
public sealed class ValidatedTokenCache(TokenHandler inner, TimeProvider clock, int capacity, RevocationList? revoked = null) : TokenHandler, IDisposable
{
    /// <summary>Refused because the revocation feed revoked its session or user (401 invalid_token); a new result each time, as handlers may set on it.</summary>
    public static TokenValidationResult Revoked => new() { IsValid = false, Exception = new SecurityTokenRevokedException() };

    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = Math.Max(capacity, 1), CompactionPercentage = 0.1 });

    public int Count => _entries.Count;

    public void Dispose() => _entries.Dispose();

    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        var now = clock.GetUtcNow().UtcDateTime;
        if (_entries.TryGetValue(token, out Entry? entry) && entry is not null)
        {
            if (revoked?.IsRevoked(entry.Token) == true)
            {
                return Revoked;
            }

            if (entry.Expires > now && await IsPublishedAsync(entry.Token.Kid, validationParameters))
            {
                return new TokenValidationResult
                {
                    IsValid = true,
                    SecurityToken = entry.Token,
                    ClaimsIdentity = entry.Identity.Clone(),
                    Issuer = entry.Token.Issuer,
                    TokenType = entry.Token.Typ,
                };
            }

            _entries.Remove(token);
        }

        var result = await inner.ValidateTokenAsync(token, validationParameters);
        if (result is { IsValid: true, SecurityToken: JsonWebToken checkedToken } && revoked?.IsRevoked(checkedToken) == true)
        {
            return Revoked;
        }

        if (capacity > 0 && result is { IsValid: true, SecurityToken: JsonWebToken jwt, ClaimsIdentity: { } identity } && jwt.ValidTo > now)
        {
            // The cache's own clock removes the entry; the expiry check above uses ours (tests move it).
            _entries.Set(token, new Entry(jwt, identity.Clone(), jwt.ValidTo),
                new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = jwt.ValidTo - now });
        }

        return result;
    }

    private static async ValueTask<bool> IsPublishedAsync(string kid, TokenValidationParameters parameters)
    {
        bool Named(SecurityKey? key) => key is not null && string.Equals(key.KeyId, kid, StringComparison.Ordinal);
        if (string.IsNullOrEmpty(kid))
        {
            return false;
        }

        if (Named(parameters.IssuerSigningKey) || parameters.IssuerSigningKeys?.Any(Named) == true)
        {
            return true;
        }

        return parameters.ConfigurationManager is { } manager
            && (await manager.GetBaseConfigurationAsync(CancellationToken.None)).SigningKeys.Any(Named);
    }

    private sealed record Entry(JsonWebToken Token, ClaimsIdentity Identity, DateTime Expires);
}

/// <summary>The token's session or user was revoked (AuthServer's revocation feed).</summary>
public sealed class SecurityTokenRevokedException : SecurityTokenValidationException
{
    public SecurityTokenRevokedException()
        : base("The access token's session was revoked.")
    {
    }

    public SecurityTokenRevokedException(string message)
        : base(message)
    {
    }

    public SecurityTokenRevokedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
