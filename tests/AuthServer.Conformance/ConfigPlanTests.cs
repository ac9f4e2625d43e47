using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;

namespace AuthServer.Conformance;

/// <summary>oidcc-config-certification-test-plan: the discovery document against OpenID Connect Discovery 1.0 and RFC 8414.</summary>
public sealed partial class ConfigPlanTests(AuthServerFactory server) : IClassFixture<AuthServerFactory>
{
    // The same module's https rule, on a server configured as in production: every advertised endpoint is https under the issuer.
    [Fact]
    public async Task oidcc_discovery_endpoint_verification_outside_development_every_endpoint_is_https()
    {
        await using var production = new ProductionServerFactory();
        using var http = production.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://id.example.test/") });
        var metadata = JsonDocument.Parse(await http.GetStringAsync(Endpoints.Discovery, TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal("https://id.example.test/", metadata.GetProperty("issuer").GetString());
        var endpoints = metadata.EnumerateObject().Where(p => p.Name.EndsWith("_endpoint", StringComparison.Ordinal) || p.Name == "jwks_uri").ToList();
        Assert.True(endpoints.Count >= 6, $"Only {endpoints.Count} endpoints advertised.");
        Assert.All(endpoints, endpoint => Assert.StartsWith("https://id.example.test/", endpoint.Value.GetString(), StringComparison.Ordinal));
    }

    // Every required field, the values a Basic OP must offer, RS256 among the ID token algorithms, a fetchable JWKS.
    [Fact]
    public async Task oidcc_discovery_endpoint_verification()
    {
        using var http = server.CreateClient();
        using var response = await http.GetAsync(Endpoints.Discovery, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var metadata = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        // The issuer: a URL without query or fragment, whose discovery document this is (Discovery §4.3).
        var issuer = new Uri(metadata.GetProperty("issuer").GetString()!);
        Assert.True(issuer.IsAbsoluteUri && issuer.Query.Length == 0 && issuer.Fragment.Length == 0, $"Bad issuer {issuer}");
        var served = JsonDocument.Parse(await http.GetStringAsync(issuer.AbsoluteUri.TrimEnd('/') + Endpoints.Discovery, TestContext.Current.CancellationToken));
        Assert.Equal(issuer.AbsoluteUri, served.RootElement.GetProperty("issuer").GetString());

        // Every endpoint an absolute URL on the issuer's own scheme and host (https wherever the issuer is; the test host is http).
        foreach (var name in new[] { "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri" })
        {
            Assert.True(metadata.TryGetProperty(name, out var endpoint), $"{name} is missing.");
            var uri = new Uri(endpoint.GetString()!);
            Assert.True(uri.Scheme == issuer.Scheme && uri.Authority == issuer.Authority, $"{name} {uri} is not on {issuer}");
        }

        foreach (var name in metadata.EnumerateObject().Where(p => p.Name.EndsWith("_endpoint", StringComparison.Ordinal)))
        {
            Assert.Equal(issuer.Scheme, new Uri(name.Value.GetString()!).Scheme);
        }

        Assert.Contains("code", Strings(metadata, "response_types_supported"));
        var subjectTypes = Strings(metadata, "subject_types_supported");
        Assert.NotEmpty(subjectTypes);
        Assert.All(subjectTypes, type => Assert.Contains(type, new[] { "public", "pairwise" }));
        var algorithms = Strings(metadata, "id_token_signing_alg_values_supported");
        Assert.Contains("RS256", algorithms);
        Assert.DoesNotContain("none", algorithms);

        var scopes = Strings(metadata, "scopes_supported");
        Assert.Contains("openid", scopes);
        Assert.All(scopes, scope => Assert.Matches(ScopeToken(), scope));
        if (metadata.TryGetProperty("grant_types_supported", out _))
        {
            Assert.Contains("authorization_code", Strings(metadata, "grant_types_supported"));
        }

        foreach (var flag in new[] { "request_parameter_supported", "request_uri_parameter_supported", "claims_parameter_supported" })
        {
            Assert.True(!metadata.TryGetProperty(flag, out var value) || value.ValueKind is JsonValueKind.True or JsonValueKind.False, $"{flag} is not a boolean.");
        }

        foreach (var list in new[] { "claims_supported", "code_challenge_methods_supported", "ui_locales_supported", "claims_locales_supported" })
        {
            Assert.True(!metadata.TryGetProperty(list, out var value) || value.ValueKind == JsonValueKind.Array, $"{list} is not an array.");
        }

        Assert.All(Strings(metadata, "ui_locales_supported").Concat(Strings(metadata, "claims_locales_supported")), tag => Assert.Matches(LanguageTag(), tag));
        await OidcChecks.JwksAsync(http);
    }

    private static string[] Strings(JsonElement metadata, string name) =>
        metadata.TryGetProperty(name, out var value) ? [.. value.EnumerateArray().Select(item => item.GetString()!)] : [];

    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
    [GeneratedRegex(@"^[\x21\x23-\x5B\x5D-\x7E]+$")]
    private static partial Regex ScopeToken();

    // BCP 47, loosely: letters, digits and hyphens.
    [GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
    private static partial Regex LanguageTag();
}
