using System.Text.Json;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>Password and client-credentials grants: the access token, discovery and JWKS. Runs on SQLite here and on SQL Server in AuthServer.SqlServer.Tests.</summary>
public sealed class AccessTokenTests(AuthServerFactory server) : AccessTokenBehaviour(server), IClassFixture<AuthServerFactory>;

/// <summary>The tests, written once for every provider; a subclass chooses the server (and so the database).</summary>
public abstract class AccessTokenBehaviour(AuthServerFactory server)
{
    private readonly TokenClient _client = server.CreateTokenClient();

    [Fact]
    public async Task Password_grant_access_token_verifies_against_the_published_jwks_with_rfc9068_header_and_claims()
    {
        var user = await server.CreateUserAsync();
        var response = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        var token = await _client.ValidateAsync(response.AccessToken!, "resource-api", server.Clock.GetUtcNow());

        Assert.Equal("at+jwt", token.Typ);
        Assert.Equal("ES256", token.Alg);
        Assert.False(string.IsNullOrEmpty(token.Kid));
        Assert.Equal("http://localhost:5000/", token.Issuer);
        Assert.Equal(user.Id, token.Subject);
        Assert.Equal(["resource-api"], token.Audiences);
        Assert.Equal("spa", token.GetClaim("client_id").Value);
        Assert.Equal("openid offline_access api", token.GetClaim("scope").Value);
        Assert.False(string.IsNullOrEmpty(token.Id));
        Assert.Equal(900, token.GetPayloadValue<long>("exp") - token.GetPayloadValue<long>("iat"));
        Assert.InRange(int.Parse(response.Get("expires_in")!, System.Globalization.CultureInfo.InvariantCulture), 890, 900);
    }

    [Fact]
    public async Task Access_token_carries_no_profile_data_and_never_the_security_stamp()
    {
        var user = await server.CreateUserAsync();
        var response = (await _client.PasswordAsync(user.UserName!, TestUsers.Password, "openid profile email offline_access api")).ShouldSucceed();

        var payload = Payload(response.AccessToken!);
        Assert.DoesNotContain("email", payload.Keys);
        Assert.DoesNotContain("name", payload.Keys);
        Assert.DoesNotContain(payload.Keys, key => key.Contains("SecurityStamp", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(user.SecurityStamp!, response.AccessToken!, StringComparison.Ordinal);
        Assert.True(response.AccessToken!.Length < 1200, $"Access token is {response.AccessToken!.Length} characters");
    }

    [Fact]
    public async Task Refresh_token_is_issued_only_when_offline_access_is_granted()
    {
        var user = await server.CreateUserAsync();

        var without = (await _client.PasswordAsync(user.UserName!, TestUsers.Password, "api")).ShouldSucceed();
        var with = (await _client.PasswordAsync(user.UserName!, TestUsers.Password, "api offline_access")).ShouldSucceed();

        Assert.Null(without.RefreshToken);
        Assert.NotNull(with.RefreshToken);
    }

    [Fact]
    public async Task Client_credentials_token_names_the_client_as_subject_and_the_scope_resource_as_audience()
    {
        var response = (await _client.ClientCredentialsAsync()).ShouldSucceed();

        var token = await _client.ValidateAsync(response.AccessToken!, "authserver-admin", server.Clock.GetUtcNow());

        Assert.Equal("ops", token.Subject);
        Assert.Equal("ops", token.GetClaim("client_id").Value);
        Assert.Equal("ops", token.GetClaim("scope").Value);
        Assert.Null(response.RefreshToken);
    }

    [Fact]
    public async Task Client_secret_is_checked_on_every_request_after_a_success()
    {
        (await _client.ClientCredentialsAsync()).ShouldSucceed();

        (await _client.ClientCredentialsAsync("ops-demo-secreT")).ShouldFail(System.Net.HttpStatusCode.Unauthorized, "invalid_client");
        (await _client.ClientCredentialsAsync("ops-demo-secret ")).ShouldFail(System.Net.HttpStatusCode.Unauthorized, "invalid_client");
        (await _client.ClientCredentialsAsync()).ShouldSucceed();
    }

    [Fact]
    public async Task Jwks_publishes_only_public_asymmetric_keys()
    {
        using var jwks = JsonDocument.Parse(await _client.Http.GetStringAsync("/.well-known/jwks", TestContext.Current.CancellationToken));

        var keys = jwks.RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["EC", "RSA"], keys.Select(key => key.GetProperty("kty").GetString()).Order());
        Assert.All(keys, key =>
        {
            Assert.False(key.TryGetProperty("d", out _), "a private exponent was published");
            Assert.False(key.TryGetProperty("k", out _), "a symmetric key was published");
        });
    }

    [Fact]
    public async Task Discovery_advertises_exactly_the_supported_grants()
    {
        using var discovery = JsonDocument.Parse(await _client.Http.GetStringAsync("/.well-known/openid-configuration", TestContext.Current.CancellationToken));

        var grants = discovery.RootElement.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()).Order().ToList();
        Assert.Superset(new HashSet<string?> { "client_credentials", "password", "refresh_token" }, grants.ToHashSet());
        Assert.DoesNotContain("implicit", grants);
        Assert.Equal("http://localhost:5000/", discovery.RootElement.GetProperty("issuer").GetString());
        Assert.EndsWith("/.well-known/jwks", discovery.RootElement.GetProperty("jwks_uri").GetString(), StringComparison.Ordinal);
    }

    internal static Dictionary<string, JsonElement> Payload(string jwt)
    {
        var json = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(jwt.Split('.')[1]);
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
    }
}
