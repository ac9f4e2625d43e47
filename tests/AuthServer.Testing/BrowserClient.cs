using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Tests.Infrastructure;

/// <summary>One PKCE pair (RFC 7636 §4.1-4.2), S256.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce Create()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}

/// <summary>
/// A browser as the server sees it: keeps cookies, follows no redirect by itself, so each hop of the
/// authorization code flow can be looked at.
/// </summary>
public sealed partial class BrowserClient(AuthServerFactory factory, CookieContainer? cookies = null) : IDisposable
{
    public const string RedirectUri = "http://localhost:5173/callback";
    public const string PostLogoutRedirectUri = "http://localhost:5173/";
    public const string Scopes = "openid profile email offline_access api";

    /// <summary>Pass one browser's container to a client of another instance to carry its cookies there.</summary>
    public CookieContainer Cookies { get; } = cookies ?? new CookieContainer();

    public HttpClient Http => _http ??= factory.CreateDefaultClient(new Uri("http://localhost/"), new CookieContainerHandler(Cookies));

    private HttpClient? _http;

    public TokenClient Tokens => new(Http);

    public static string AuthorizeUrl(Pkce? pkce, string state = "state-1", string nonce = "nonce-1", string clientId = TokenClient.Spa,
        string redirectUri = RedirectUri, string method = "S256", IDictionary<string, string>? extra = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri,
            ["scope"] = Scopes,
            ["state"] = state,
            ["nonce"] = nonce,
        };
        if (pkce is not null)
        {
            query["code_challenge"] = pkce.Challenge;
            query["code_challenge_method"] = method;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            query[key] = value;
        }

        return QueryHelpers.AddQueryString(Endpoints.Authorization, query);
    }

    public async Task<HttpResponseMessage> GetAsync(string url) => await Http.GetAsync(url);

    /// <summary>Where a redirect points, made absolute against the server.</summary>
    public Uri LocationOf(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther,
            $"Expected a redirect, got {(int)response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");
        return new Uri(Http.BaseAddress!, response.Headers.Location!);
    }

    public static Dictionary<string, string> QueryOf(Uri uri) =>
        QueryHelpers.ParseQuery(uri.Query).ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.Ordinal);

    /// <summary>Reads the login form's antiforgery token.</summary>
    public async Task<string> AntiforgeryTokenAsync(string loginUrl)
    {
        var html = await Http.GetStringAsync(loginUrl);
        var match = AntiforgeryField().Match(html);
        Assert.True(match.Success, "The login page has no antiforgery field.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    public async Task<HttpResponseMessage> PostLoginAsync(string loginUrl, string userName, string password, bool withToken = true)
    {
        var form = new Dictionary<string, string> { ["username"] = userName, ["password"] = password };
        var query = QueryOf(new Uri(Http.BaseAddress!, loginUrl));
        form["returnUrl"] = query.GetValueOrDefault("returnUrl", "/");
        var token = await AntiforgeryTokenAsync(loginUrl);
        if (withToken)
        {
            form["__RequestVerificationToken"] = token;
        }

        using var content = new FormUrlEncodedContent(form);
        return await Http.PostAsync("/account/login", content);
    }

    /// <summary>Signs in through the login page and returns the redirect the authorization endpoint answers with.</summary>
    public async Task<Uri> SignInAsync(string authorizeUrl, string userName, string password)
    {
        using var first = await Http.GetAsync(authorizeUrl);
        var login = LocationOf(first);
        Assert.Equal("/account/login", login.AbsolutePath);

        using var posted = await PostLoginAsync(login.PathAndQuery, userName, password);
        var back = LocationOf(posted);
        Assert.Equal(Endpoints.Authorization, back.AbsolutePath);

        using var final = await Http.GetAsync(back.PathAndQuery);
        return LocationOf(final);
    }

    /// <summary>Opens a page with a form (logout confirmation) and posts it as the user would, with its hidden fields.</summary>
    public async Task<HttpResponseMessage> SubmitFormAsync(string pageUrl, bool withAntiforgery = true)
    {
        using var page = await Http.GetAsync(pageUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var fields = HiddenField().Matches(html)
            .Select(m => (Name: WebUtility.HtmlDecode(m.Groups[1].Value), Value: WebUtility.HtmlDecode(m.Groups[2].Value)))
            .Where(f => withAntiforgery || f.Name != "__RequestVerificationToken")
            .Select(f => new KeyValuePair<string, string>(f.Name, f.Value))
            .Append(new("confirm", "yes"));
        using var content = new FormUrlEncodedContent(fields);
        return await Http.PostAsync(Endpoints.EndSession, content);
    }

    /// <summary>The whole flow: authorize, sign in, exchange the code.</summary>
    public async Task<TokenResponse> CodeFlowAsync(string userName, string password, Pkce? pkce = null)
    {
        pkce ??= Pkce.Create();
        var callback = await SignInAsync(AuthorizeUrl(pkce), userName, password);
        return await RedeemAsync(QueryOf(callback)["code"], pkce.Verifier);
    }

    public Task<TokenResponse> RedeemAsync(string code, string verifier, string redirectUri = RedirectUri) => Tokens.PostAsync(new()
    {
        ["grant_type"] = "authorization_code",
        ["client_id"] = TokenClient.Spa,
        ["code"] = code,
        ["code_verifier"] = verifier,
        ["redirect_uri"] = redirectUri,
    });

    public void Dispose() => _http?.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\" ?/?>")]
    private static partial Regex HiddenField();
}
