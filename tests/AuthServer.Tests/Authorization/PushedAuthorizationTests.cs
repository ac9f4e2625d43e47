using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Tests;

/// <summary>
/// RFC 9126 pushed authorization requests through OpenIddict's endpoint, and RFC 9207's `iss` on every authorization
/// response: the request is pushed, the browser carries only its `request_uri`, which works once, for its own client,
/// within its lifetime, with PKCE still required; a client can be made to accept nothing else.
/// </summary>
public sealed class PushedAuthorizationTests(AuthServerFactory factory) : IClassFixture<AuthServerFactory>
{
    [Fact]
    public async Task A_pushed_request_signs_in_once_and_its_request_uri_then_dies()
    {
        var user = await factory.CreateUserAsync();
        using var browser = new BrowserClient(factory);
        var pkce = Pkce.Create();
        var requestUri = await PushAsync(browser, PushedFields(pkce));

        var callback = await browser.SignInAsync(Authorize(requestUri), user.UserName!, TestUsers.Password);
        var answer = BrowserClient.QueryOf(callback);
        Assert.StartsWith(BrowserClient.RedirectUri, callback.GetLeftPart(UriPartial.Path), StringComparison.Ordinal);
        Assert.Equal("pushed-state", answer["state"]);
        (await browser.RedeemAsync(answer["code"], pkce.Verifier)).ShouldSucceed();

        // Used: the same request_uri again is refused, on the server's own page (nothing says where to redirect).
        using var again = await browser.GetAsync(Authorize(requestUri));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
    }

    [Fact]
    public async Task A_request_uri_expires_and_belongs_to_the_client_that_pushed_it()
    {
        using var browser = new BrowserClient(factory);
        var requestUri = await PushAsync(browser, PushedFields(Pkce.Create()));

        // Another client presenting it.
        using var foreign = await browser.GetAsync($"{Endpoints.Authorization}?client_id=bff&request_uri={Uri.EscapeDataString(requestUri)}");
        Assert.True(foreign.StatusCode == HttpStatusCode.BadRequest, $"{(int)foreign.StatusCode} {foreign.Headers.Location}");

        // Past its lifetime.
        var late = await PushAsync(browser, PushedFields(Pkce.Create()));
        factory.Clock.Advance(TimeSpan.FromMinutes(10));
        using var expired = await browser.GetAsync(Authorize(late));
        Assert.Equal(HttpStatusCode.BadRequest, expired.StatusCode);
    }

    [Fact]
    public async Task Pkce_is_still_required_of_a_pushed_request()
    {
        using var browser = new BrowserClient(factory);
        var fields = PushedFields(Pkce.Create());
        fields.Remove("code_challenge");
        fields.Remove("code_challenge_method");

        using var pushed = await browser.Http.PostAsync(Endpoints.PushedAuthorization, new FormUrlEncodedContent(fields), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, pushed.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(await pushed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_client_that_requires_pushed_requests_gets_an_error_for_a_plain_one_and_signs_in_with_a_pushed_one()
    {
        await using var strict = new AuthServerFactory().Set("Catalog:Clients:spa:RequirePushedAuthorizationRequests", "true");
        var user = await strict.CreateUserAsync();
        using var browser = new BrowserClient(strict);

        using var plain = await browser.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create()));
        var refused = BrowserClient.QueryOf(plain.Headers.Location!);
        Assert.Equal("invalid_request", refused["error"]);

        var pkce = Pkce.Create();
        var callback = await browser.SignInAsync(Authorize(await PushAsync(browser, PushedFields(pkce))), user.UserName!, TestUsers.Password);
        (await browser.RedeemAsync(BrowserClient.QueryOf(callback)["code"], pkce.Verifier)).ShouldSucceed();
    }

    [Fact]
    public async Task Every_authorization_response_names_the_issuer_and_discovery_says_so()
    {
        var user = await factory.CreateUserAsync();
        using var browser = new BrowserClient(factory);
        var issuer = await IssuerAsync(browser);

        var success = BrowserClient.QueryOf(await browser.SignInAsync(BrowserClient.AuthorizeUrl(Pkce.Create()), user.UserName!, TestUsers.Password));
        Assert.Equal(issuer, success["iss"]);

        // An error sent back to the client (prompt=none from a browser without a session) names the issuer too (RFC 9207 §2).
        using var stranger = new BrowserClient(factory);
        using var error = await stranger.GetAsync(BrowserClient.AuthorizeUrl(Pkce.Create(), extra: new Dictionary<string, string> { ["prompt"] = "none" }));
        var refused = BrowserClient.QueryOf(error.Headers.Location!);
        Assert.Equal("login_required", refused["error"]);
        Assert.Equal(issuer, refused["iss"]);
    }

    /// <summary>
    /// A database written by a server from before pushed authorization: an unchanged client (same catalog version) gains
    /// the new endpoint's permission at the next start, and nothing else of it changes.
    /// </summary>
    [Fact]
    public async Task An_upgraded_server_gives_clients_it_finds_unchanged_the_pushed_authorization_endpoint()
    {
        var folder = Directory.CreateTempSubdirectory("authserver-par-upgrade-").FullName;
        try
        {
            await using (var before = SqliteFolder.Server(folder))
            {
                using var client = before.CreateClient();
                await using var db = SqliteFolder.Context(folder);
                foreach (var clientId in new[] { TokenClient.Spa, "bff" })
                {
                    var row = await db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication>()
                        .SingleAsync(a => a.ClientId == clientId, TestContext.Current.CancellationToken);
                    row.Permissions = row.Permissions!.Replace(",\"ept:pushed_authorization\"", "", StringComparison.Ordinal).Replace("\"ept:pushed_authorization\",", "", StringComparison.Ordinal);
                    Assert.DoesNotContain("pushed_authorization", row.Permissions, StringComparison.Ordinal);
                }

                await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            }

            await using var after = SqliteFolder.Server(folder);
            using var browser = new BrowserClient(after);
            await PushAsync(browser, PushedFields(Pkce.Create()));

            // A confidential client keeps its secret through the upgrade step: it pushes with it.
            var confidential = PushedFields(Pkce.Create());
            confidential["client_id"] = "bff";
            confidential["client_secret"] = "bff-demo-secret";
            confidential["redirect_uri"] = "http://localhost:5175/bff/signin-oidc";
            await PushAsync(browser, confidential);
        }
        finally
        {
            SqliteFolder.DeleteQuietly(folder);
        }
    }

    private static Dictionary<string, string> PushedFields(Pkce pkce) => new()
    {
        ["client_id"] = TokenClient.Spa,
        ["response_type"] = "code",
        ["redirect_uri"] = BrowserClient.RedirectUri,
        ["scope"] = BrowserClient.Scopes,
        ["state"] = "pushed-state",
        ["nonce"] = "pushed-nonce",
        ["code_challenge"] = pkce.Challenge,
        ["code_challenge_method"] = "S256",
    };

    /// <summary>RFC 9126 §2.2: 201 with a `request_uri` and its lifetime, and `no-store`.</summary>
    private static async Task<string> PushAsync(BrowserClient browser, Dictionary<string, string> fields)
    {
        using var pushed = await browser.Http.PostAsync(Endpoints.PushedAuthorization, new FormUrlEncodedContent(fields), TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await pushed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.True(pushed.StatusCode == HttpStatusCode.Created, $"{(int)pushed.StatusCode}: {body}");
        Assert.True(body.GetProperty("expires_in").GetInt32() > 0);
        Assert.Contains("no-store", pushed.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        return body.GetProperty("request_uri").GetString()!;
    }

    private static string Authorize(string requestUri) =>
        QueryHelpers.AddQueryString(Endpoints.Authorization, new Dictionary<string, string?> { ["client_id"] = TokenClient.Spa, ["request_uri"] = requestUri });

    private static async Task<string> IssuerAsync(BrowserClient browser)
    {
        var discovery = JsonDocument.Parse(await browser.Http.GetStringAsync(Endpoints.Discovery, TestContext.Current.CancellationToken)).RootElement;
        Assert.True(discovery.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
        Assert.EndsWith(Endpoints.PushedAuthorization, discovery.GetProperty("pushed_authorization_request_endpoint").GetString(), StringComparison.Ordinal);
        return discovery.GetProperty("issuer").GetString()!;
    }
}
