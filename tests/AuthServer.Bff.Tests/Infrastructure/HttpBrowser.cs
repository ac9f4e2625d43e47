using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;

namespace AuthServer.Bff.Tests.Infrastructure;

/// <summary>
/// A browser at the HTTP level: one cookie jar per host and port (Secure cookies are sent over loopback HTTP, as
/// Chromium does for localhost), redirects followed hop by hop, and every Set-Cookie kept for the flag checks.
/// </summary>
public sealed partial class HttpBrowser : IDisposable
{
    private readonly Dictionary<string, Dictionary<string, string>> _jar = new(StringComparer.OrdinalIgnoreCase);
    private readonly HttpClient _http;

    public HttpBrowser()
    {
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>Every Set-Cookie header received, by origin.</summary>
    public List<(Uri From, SetCookieHeaderValue Cookie)> SetCookies { get; } = [];

    public string? CookieValue(Uri origin, string name) =>
        _jar.TryGetValue(origin.Authority, out var cookies) && cookies.TryGetValue(name, out var value) ? value : null;

    /// <summary>Copies this browser's cookies for <paramref name="from"/> to <paramref name="to"/> (another instance behind the same name).</summary>
    public void ShareCookies(Uri from, Uri to)
    {
        if (_jar.TryGetValue(from.Authority, out var cookies))
        {
            _jar[to.Authority] = new Dictionary<string, string>(cookies, StringComparer.Ordinal);
        }
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri!;
        if (_jar.TryGetValue(uri.Authority, out var cookies) && cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await _http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            var jar = _jar.TryGetValue(uri.Authority, out var existing) ? existing : _jar[uri.Authority] = new(StringComparer.Ordinal);
            foreach (var cookie in SetCookieHeaderValue.ParseList([.. values]))
            {
                SetCookies.Add((uri, cookie));
                if (cookie.Expires is { } expires && expires < DateTimeOffset.UtcNow || cookie.Value.Length == 0)
                {
                    jar.Remove(cookie.Name.ToString());
                }
                else
                {
                    jar[cookie.Name.ToString()] = cookie.Value.ToString();
                }
            }
        }

        return response;
    }

    public Task<HttpResponseMessage> GetAsync(Uri uri) => SendAsync(new HttpRequestMessage(HttpMethod.Get, uri));

    /// <summary>Follows redirects from <paramref name="uri"/> until a non-redirect answer; returns it and every URL visited.</summary>
    public async Task<(HttpResponseMessage Final, List<Uri> Visited)> FollowAsync(Uri uri, int maxHops = 10)
    {
        var visited = new List<Uri> { uri };
        var response = await GetAsync(uri);
        while (Spa.IsRedirect(response.StatusCode) && visited.Count <= maxHops)
        {
            var next = new Uri(uri, response.Headers.Location!);
            response.Dispose();
            visited.Add(next);
            uri = next;
            response = await GetAsync(uri);
        }

        return (response, visited);
    }

    /// <summary>The login page as a user fills it in: its antiforgery field, the return URL it was given, name and password.</summary>
    public async Task<HttpResponseMessage> SubmitLoginAsync(Uri loginPage, HttpResponseMessage page, string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(loginPage);
        ArgumentNullException.ThrowIfNull(page);
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(html);
        Assert.True(token.Success, $"No login form at {loginPage}: {html[..Math.Min(html.Length, 300)]}");
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(loginPage.Query);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = userName,
            ["password"] = password,
            ["returnUrl"] = query.TryGetValue("returnUrl", out var returnUrl) ? returnUrl.ToString() : "/",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
        });
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(loginPage, "/account/login")) { Content = content });
    }

    /// <summary>Signs in through the BFF: /bff/login, the server's login page, back through the callback to the SPA.</summary>
    public async Task<List<Uri>> SignInAsync(Uri bff, string userName, string password, string returnUrl = "/")
    {
        ArgumentNullException.ThrowIfNull(bff);
        var (page, visited) = await FollowAsync(new Uri(bff, $"/bff/login?returnUrl={Uri.EscapeDataString(returnUrl)}"));
        using (page)
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var loginPage = visited[^1];
            Assert.Equal("/account/login", loginPage.AbsolutePath);
            using var posted = await SubmitLoginAsync(loginPage, page, userName, password);
            Assert.True(Spa.IsRedirect(posted.StatusCode), $"The login form answered {(int)posted.StatusCode}.");
            var (final, back) = await FollowAsync(new Uri(loginPage, posted.Headers.Location!));
            using (final)
            {
                Assert.True(final.StatusCode == HttpStatusCode.OK, $"Sign-in ended with {(int)final.StatusCode} at {back[^1]}: {await final.Content.ReadAsStringAsync()}");
                visited.AddRange(back);
                return visited;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
