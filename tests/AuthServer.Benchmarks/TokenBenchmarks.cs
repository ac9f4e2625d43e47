using System.Security.Claims;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using AuthServer.ResourceServer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Benchmarks;

/// <summary>
/// Access tokens (ES256 by default, RS256 with RSA-only keys) and refresh tokens (JWE: A256KW + A256CBC-HS512 around
/// a JWS), built with the same handler and algorithms as the server, beside the ECDSA, RSA and AES operations they
/// cannot avoid; and the resource side's validation, with and without <see cref="ValidatedTokenCache"/>.
/// </summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private static readonly byte[] s_digest = SHA256.HashData("payload"u8);
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ValidatedTokenCache _cache = new(new JsonWebTokenHandler { MapInboundClaims = false }, TimeProvider.System, 1000);
    private SecurityTokenDescriptor _es256AccessToken = null!;
    private string _signedEs256AccessToken = null!;
    private byte[] _ecSignature = null!;
    private TokenValidationParameters _es256Validation = null!;
    private readonly byte[] _aesKey = RandomNumberGenerator.GetBytes(32);
    private SigningCredentials _signing = null!;
    private EncryptingCredentials _encrypting = null!;
    private SecurityTokenDescriptor _accessToken = null!;
    private SecurityTokenDescriptor _refreshToken = null!;
    private string _signedAccessToken = null!;
    private string _encryptedRefreshToken = null!;
    private byte[] _signature = null!;
    private TokenValidationParameters _accessValidation = null!;
    private TokenValidationParameters _refreshValidation = null!;

    [GlobalSetup]
    public void Setup()
    {
        var key = new RsaSecurityKey(_rsa) { KeyId = "bench" };
        _signing = new SigningCredentials(key, SecurityAlgorithms.RsaSha256);
        _encrypting = new EncryptingCredentials(new SymmetricSecurityKey(_aesKey) { KeyId = "enc" }, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512);
        var now = DateTime.UtcNow;
        var claims = new ClaimsIdentity([new("sub", Guid.NewGuid().ToString()), new("client_id", "spa"), new("scope", "openid offline_access api")]);
        _accessToken = new SecurityTokenDescriptor
        {
            Issuer = "http://localhost:5000/", Audience = "resource-api", Subject = claims, TokenType = "at+jwt",
            IssuedAt = now, NotBefore = now, Expires = now.AddMinutes(15), SigningCredentials = _signing,
        };
        _refreshToken = new SecurityTokenDescriptor
        {
            Issuer = "http://localhost:5000/", Subject = claims, TokenType = "oi_reft+jwt", IssuedAt = now, Expires = now.AddDays(7),
            SigningCredentials = _signing, EncryptingCredentials = _encrypting,
        };
        _signedAccessToken = _handler.CreateToken(_accessToken);
        _encryptedRefreshToken = _handler.CreateToken(_refreshToken);
        _signature = _rsa.SignHash(s_digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var ecKey = new ECDsaSecurityKey(_ec) { KeyId = "bench-ec" };
        _es256AccessToken = new SecurityTokenDescriptor
        {
            Issuer = _accessToken.Issuer, Audience = _accessToken.Audience, Subject = claims, TokenType = "at+jwt",
            IssuedAt = now, NotBefore = now, Expires = now.AddMinutes(15), SigningCredentials = new SigningCredentials(ecKey, SecurityAlgorithms.EcdsaSha256),
        };
        _signedEs256AccessToken = _handler.CreateToken(_es256AccessToken);
        _ecSignature = _ec.SignHash(s_digest);
        _es256Validation = new TokenValidationParameters
        {
            ValidIssuer = "http://localhost:5000/", ValidAudience = "resource-api", IssuerSigningKeys = [ecKey], ValidTypes = ["at+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        };
        _accessValidation = new TokenValidationParameters
        {
            ValidIssuer = "http://localhost:5000/", ValidAudience = "resource-api", IssuerSigningKey = key, ValidTypes = ["at+jwt"],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        };
        _refreshValidation = new TokenValidationParameters
        {
            ValidIssuer = "http://localhost:5000/", ValidateAudience = false, IssuerSigningKey = key, TokenDecryptionKey = _encrypting.Key,
        };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rsa.Dispose();
        _ec.Dispose();
    }

    [Benchmark(Description = "raw: ECDSA P-256 sign")]
    public byte[] EcSign() => _ec.SignHash(s_digest);

    [Benchmark(Description = "access token: create + sign (ES256)")]
    public string CreateEs256AccessToken() => _handler.CreateToken(_es256AccessToken);

    [Benchmark(Description = "raw: ECDSA P-256 verify")]
    public bool EcVerify() => _ec.VerifyHash(s_digest, _ecSignature);

    [Benchmark(Description = "access token: validate ES256 (resource side)")]
    public async Task<bool> ValidateEs256AccessToken() => (await _handler.ValidateTokenAsync(_signedEs256AccessToken, _es256Validation)).IsValid;

    [Benchmark(Description = "access token: validate ES256, ValidatedTokenCache hit")]
    public async Task<bool> ValidateEs256AccessTokenCached() => (await _cache.ValidateTokenAsync(_signedEs256AccessToken, _es256Validation)).IsValid;

    [Benchmark(Description = "raw: RSA-2048 PKCS#1 sign")]
    public byte[] RsaSign() => _rsa.SignHash(s_digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark(Description = "access token: create + sign (RS256)")]
    public string CreateAccessToken() => _handler.CreateToken(_accessToken);

    [Benchmark(Description = "raw: RSA-2048 PKCS#1 verify")]
    public bool RsaVerify() => _rsa.VerifyHash(s_digest, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark(Description = "access token: validate RS256 (resource side)")]
    public async Task<bool> ValidateAccessToken() => (await _handler.ValidateTokenAsync(_signedAccessToken, _accessValidation)).IsValid;

    [Benchmark(Description = "raw: AES-256-CBC encrypt 1 KiB + HMAC-SHA512")]
    public byte[] RawAes()
    {
        using var aes = Aes.Create();
        aes.Key = _aesKey;
        var cipher = aes.EncryptCbc(new byte[1024], new byte[16]);
        return HMACSHA512.HashData(_aesKey, cipher);
    }

    [Benchmark(Description = "refresh token: protect (sign + encrypt)")]
    public string ProtectRefreshToken() => _handler.CreateToken(_refreshToken);

    [Benchmark(Description = "refresh token: unprotect (decrypt + verify)")]
    public async Task<bool> UnprotectRefreshToken() => (await _handler.ValidateTokenAsync(_encryptedRefreshToken, _refreshValidation)).IsValid;
}
