using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Conformance;

/// <summary>A client of the Development catalog as the suite's static client: its id, redirect URI and secret, if any.</summary>
public sealed record StaticClient(string Id, string RedirectUri, string? Secret, bool SecretInBody = false)
{
    public static readonly StaticClient Spa = new(TokenClient.Spa, BrowserClient.RedirectUri, null);

    public static readonly StaticClient Bff = new("bff", "http://localhost:5175/bff/signin-oidc", "bff-demo-secret");

    /// <summary>The same client authenticating with client_secret_post (RFC 6749 §2.3.1) instead of client_secret_basic.</summary>
    public static readonly StaticClient BffPost = Bff with { SecretInBody = true };
}

/// <summary>One finished code flow: the token response and its validated ID token.</summary>
public sealed record FlowResult(TokenResponse Tokens, JsonWebToken IdToken)
{
    public string AccessToken => Tokens.AccessToken!;
}

/// <summary>
/// The suite's relying party, driving the real server through one browser: builds authorization requests, signs in,
/// checks the authorization response and redeems the code, running the shared checks on each step.
/// </summary>
public sealed class RelyingParty(AuthServerFactory server, StaticClient? client = null) : IDisposable
{
    public StaticClient Client { get; } = client ?? StaticClient.Spa;

    public BrowserClient Browser { get; } = new(server);

    public HttpClient Http => Browser.Http;

    public Pkce Pkce { get; private set; } = Pkce.Create();

    public string State { get; private set; } = "";

    public string? Nonce { get; private set; }

    /// <summary>An authorization request; `extra` adds or replaces parameters, a null value removes one.</summary>
    public string AuthorizeUrl(IDictionary<string, string?>? extra = null)
    {
        Pkce = Pkce.Create();
        State = $"state-{Guid.NewGuid():N}";
        Nonce = $"nonce-{Guid.NewGuid():N}";
        var query = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["client_id"] = Client.Id,
            ["response_type"] = "code",
            ["redirect_uri"] = Client.RedirectUri,
            ["scope"] = "openid",
            ["state"] = State,
            ["nonce"] = Nonce,
            ["code_challenge"] = Pkce.Challenge,
            ["code_challenge_method"] = "S256",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            query[key] = value;
        }

        Nonce = query["nonce"];
        State = query["state"] ?? "";
        return QueryHelpers.AddQueryString(Endpoints.Authorization, query.Where(p => p.Value is not null));
    }

    /// <summary>Authorizes with a login, checks the answer's state and iss, redeems the code, checks the ID token.</summary>
    public async Task<FlowResult> SignInFlowAsync(IdentityUser user, IDictionary<string, string?>? extra = null) =>
        await RedeemAsync(await Browser.SignInAsync(AuthorizeUrl(extra), user.UserName!, TestUsers.Password), extra);

    /// <summary>Authorizes on the browser's session, no login page expected, and redeems.</summary>
    public async Task<FlowResult> SilentFlowAsync(IDictionary<string, string?>? extra = null)
    {
        using var response = await Browser.GetAsync(AuthorizeUrl(extra));
        return await RedeemAsync(ToClient(response), extra);
    }

    /// <summary>Where a redirect goes; fails unless it is back to the client.</summary>
    public Uri ToClient(HttpResponseMessage response)
    {
        var location = Browser.LocationOf(response);
        Assert.True(location.GetLeftPart(UriPartial.Path) == Client.RedirectUri, $"Expected a redirect to the client, got {location}");
        return location;
    }

    /// <summary>The authorization response's parameters, with state and iss checked.</summary>
    public async Task<Dictionary<string, string>> AnswerAsync(Uri callback)
    {
        var answer = BrowserClient.QueryOf(callback);
        OidcChecks.StateAndIssuer(answer, State, await IssuerAsync());
        OidcChecks.CleanErrorDescription(answer.GetValueOrDefault("error_description"));
        return answer;
    }

    public async Task<FlowResult> RedeemAsync(Uri callback, IDictionary<string, string?>? extra = null)
    {
        var answer = await AnswerAsync(callback);
        Assert.True(answer.ContainsKey("code"), $"No code: {callback}");
        var tokens = (await RedeemCodeAsync(answer["code"])).ShouldSucceed();
        Assert.Equal("bearer", tokens.Get("token_type"), ignoreCase: true);
        var idToken = await OidcChecks.IdTokenAsync(Http, tokens.Get("id_token"), new IdTokenExpectation(
            Client.Id, Nonce, server.Clock.GetUtcNow(), extra?.ContainsKey("max_age") == true, tokens.AccessToken));
        return new FlowResult(tokens, idToken);
    }

    public Task<TokenResponse> RedeemCodeAsync(string code) => TokenAsync(Client, new()
    {
        ["grant_type"] = "authorization_code",
        ["code"] = code,
        ["code_verifier"] = Pkce.Verifier,
        ["redirect_uri"] = Client.RedirectUri,
    });

    public Task<TokenResponse> RefreshAsync(string refreshToken, StaticClient? asClient = null) =>
        TokenAsync(asClient ?? Client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken });

    private Task<TokenResponse> TokenAsync(StaticClient client, Dictionary<string, string> form)
    {
        form["client_id"] = client.Id;
        if (client.SecretInBody)
        {
            form["client_secret"] = client.Secret!;
        }

        return OidcChecks.TokenAsync(Http, form, client.SecretInBody ? null : client.Secret);
    }

    public async Task<string> IssuerAsync() => (await OidcChecks.DiscoveryAsync(Http)).GetProperty("issuer").GetString()!;

    /// <summary>The UserInfo endpoint's answer (OIDCC-5.3): 200, JSON, the ID token's `sub`.</summary>
    public async Task<JsonElement> UserInfoAsync(FlowResult flow, HttpMethod method, bool tokenInBody = false)
    {
        using var request = new HttpRequestMessage(method, Endpoints.UserInfo);
        if (method == HttpMethod.Post)
        {
            // As the suite posts: a form, empty unless it carries the token (RFC 6750 §2.2).
            request.Content = new FormUrlEncodedContent(tokenInBody ? [new("access_token", flow.AccessToken)] : []);
        }

        if (!tokenInBody)
        {
            request.Headers.Authorization = new("Bearer", flow.AccessToken);
        }

        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"UserInfo answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var claims = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(flow.IdToken.Subject, claims.GetProperty("sub").GetString());
        return claims;
    }

    public void Dispose() => Browser.Dispose();
}
