using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer.Tests;

/// <summary>The cache may skip the signature check for a token it has seen pass, and nothing else.</summary>
public sealed class ValidatedTokenCacheTests : IDisposable
{
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsaSecurityKey _key;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly ValidatedTokenCache _cache;

    public ValidatedTokenCacheTests()
    {
        _key = new ECDsaSecurityKey(_ec) { KeyId = "current" };
        _cache = new ValidatedTokenCache(new JsonWebTokenHandler { MapInboundClaims = false }, _clock, capacity: 100);
    }

    [Fact]
    public async Task A_token_that_passed_is_served_from_memory_as_a_fresh_copy_of_its_identity()
    {
        var token = Mint(TimeSpan.FromMinutes(15));
        var first = await _cache.ValidateTokenAsync(token, Parameters(_key));
        first.ClaimsIdentity.AddClaim(new Claim("added-by-the-first-request", "x"));

        var second = await _cache.ValidateTokenAsync(token, Parameters(_key));

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, _cache.Count);
        Assert.Equal("alice", second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Null(second.ClaimsIdentity.FindFirst("added-by-the-first-request"));
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
    }

    [Fact]
    public async Task A_remembered_token_is_validated_again_and_refused_once_it_expires()
    {
        var token = Mint(TimeSpan.FromMinutes(1));
        Assert.True((await _cache.ValidateTokenAsync(token, Parameters(_key))).IsValid);

        _clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var later = await _cache.ValidateTokenAsync(token, Parameters(_key));

        Assert.False(later.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(later.Exception);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_its_key_is_no_longer_published()
    {
        var token = Mint(TimeSpan.FromMinutes(15));
        Assert.True((await _cache.ValidateTokenAsync(token, Parameters(_key))).IsValid);
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var afterRotation = await _cache.ValidateTokenAsync(token, Parameters(new ECDsaSecurityKey(next) { KeyId = "next" }));

        Assert.False(afterRotation.IsValid);
    }

    [Fact]
    public async Task Failures_are_never_remembered()
    {
        var token = Mint(TimeSpan.FromMinutes(15));
        var forged = token[..^4] + (token[^4..] == "AAAA" ? "BBBB" : "AAAA");

        var first = await _cache.ValidateTokenAsync(forged, Parameters(_key));
        var second = await _cache.ValidateTokenAsync(forged, Parameters(_key));

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.Equal(0, _cache.Count);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_the_revocation_list_names_its_chain_and_is_not_remembered_again()
    {
        var revoked = new RevocationList(_clock);
        using var cache = new ValidatedTokenCache(new JsonWebTokenHandler { MapInboundClaims = false }, _clock, capacity: 100, revoked);
        var token = Mint(TimeSpan.FromMinutes(15), chain: "chain-1");
        var other = Mint(TimeSpan.FromMinutes(15), chain: "chain-2");
        Assert.True((await cache.ValidateTokenAsync(token, Parameters(_key))).IsValid);
        Assert.Equal(1, cache.Count);

        revoked.RevokeSession("chain-1", _clock.GetUtcNow().AddMinutes(16).ToUnixTimeSeconds(), capacity: 100);
        var hit = await cache.ValidateTokenAsync(token, Parameters(_key));

        Assert.False(hit.IsValid);
        Assert.IsType<SecurityTokenRevokedException>(hit.Exception);
        Assert.True((await cache.ValidateTokenAsync(other, Parameters(_key))).IsValid);
    }

    [Fact]
    public async Task With_a_capacity_of_zero_nothing_is_remembered_but_the_revocation_list_still_applies()
    {
        var revoked = new RevocationList(_clock);
        using var cache = new ValidatedTokenCache(new JsonWebTokenHandler { MapInboundClaims = false }, _clock, capacity: 0, revoked);
        var token = Mint(TimeSpan.FromMinutes(15), chain: "chain-1");
        Assert.True((await cache.ValidateTokenAsync(token, Parameters(_key))).IsValid);
        Assert.Equal(0, cache.Count);

        revoked.RevokeUser("alice", _clock.GetUtcNow().ToUnixTimeSeconds(), listedSessions: null, _clock.GetUtcNow().AddMinutes(16).ToUnixTimeSeconds(), capacity: 100);

        Assert.IsType<SecurityTokenRevokedException>((await cache.ValidateTokenAsync(token, Parameters(_key))).Exception);
    }

    public void Dispose()
    {
        _cache.Dispose();
        _ec.Dispose();
    }

    private string Mint(TimeSpan lifetime, string? chain = null)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = "alice", ["scope"] = "api" };
        if (chain is not null)
        {
            claims[RevocationList.AuthorizationIdClaim] = chain;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://id.example.test/",
            Audience = "resource-api",
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            TokenType = "at+jwt",
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.EcdsaSha256),
        });
    }

    /// <summary>What the JwtBearer configuration demands, with lifetime read from the fake clock.</summary>
    private TokenValidationParameters Parameters(SecurityKey publishedKey) => new()
    {
        ValidIssuer = "https://id.example.test/",
        ValidAudience = "resource-api",
        IssuerSigningKeys = [publishedKey],
        ValidTypes = ["at+jwt"],
        ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        ClockSkew = TimeSpan.Zero,
        LifetimeValidator = (notBefore, expires, _, _) =>
            expires > _clock.GetUtcNow().UtcDateTime
                ? true
                : throw new SecurityTokenExpiredException("expired") { Expires = expires!.Value },
    };
}
