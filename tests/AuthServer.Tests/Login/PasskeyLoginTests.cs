using System.Net;
using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>
/// The passkey form of the login page against what no browser sends: broken or hostile credentials and altered ceremony
/// state are refused with the page's one message, never a 500, and sign nobody in. (Real ceremonies: PasskeyBrowserTests.)
/// </summary>
public sealed partial class PasskeyLoginTests(AuthServerFactory factory) : IClassFixture<AuthServerFactory>
{
    public static TheoryData<string> Credentials =>
    [
        "{}",
        "not json",
        "[]",
        """{"id":"x","rawId":"!!not-base64url!!","type":"public-key","response":{}}""",
        """{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"AAAA","authenticatorData":"AAAA","signature":"AAAA","userHandle":"AAAA"}}""",
        """{"id":"AAAA","rawId":"AAAA","type":"password","response":{"clientDataJSON":"e30","authenticatorData":"","signature":""}}""",
        """{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiQUFBQSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3QifQ","authenticatorData":"SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ","signature":"MEUCIQ","userHandle":"dXNlcg"}}""",
        new string('A', 15_000),
    ];

    [Theory]
    [MemberData(nameof(Credentials))]
    public async Task A_hostile_credential_is_refused_with_the_pages_message_and_signs_nobody_in(string credential)
    {
        using var browser = new BrowserClient(factory);
        var (token, state) = await ReadFormAsync(browser);

        using var response = await PostAsync(browser, token, state, credential);

        await AssertRefusedAsync(response);
    }

    [Fact]
    public async Task Altered_or_missing_ceremony_state_is_refused()
    {
        using var browser = new BrowserClient(factory);
        var (token, state) = await ReadFormAsync(browser);
        const string credential = """{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AAAA","signature":"AAAA"}}""";

        foreach (var altered in new[] { state[..^2] + (state[^1] == 'A' ? "BB" : "AA"), "", "x" })
        {
            using var response = await PostAsync(browser, token, altered, credential);
            await AssertRefusedAsync(response, altered.Length == 0 ? HttpStatusCode.BadRequest : HttpStatusCode.OK);
        }
    }

    private static async Task<(string Token, string State)> ReadFormAsync(BrowserClient browser)
    {
        var html = await browser.Http.GetStringAsync("/account/login", TestContext.Current.CancellationToken);
        var state = StateField().Match(html);
        Assert.True(state.Success, "The login page offers no passkey ceremony.");
        return (await browser.AntiforgeryTokenAsync("/account/login"), WebUtility.HtmlDecode(state.Groups[1].Value));
    }

    private static Task<HttpResponseMessage> PostAsync(BrowserClient browser, string token, string state, string credential) =>
        browser.Http.PostAsync("/account/login/passkey", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["returnUrl"] = "/",
            ["state"] = state,
            ["credential"] = credential,
        }), TestContext.Current.CancellationToken);

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode? status = null)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        if (status is { } expected)
        {
            Assert.Equal(expected, response.StatusCode);
        }

        Assert.Contains("That passkey could not sign you in", body, StringComparison.Ordinal);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("authserver.session=", StringComparison.Ordinal)));
    }

    [GeneratedRegex("name=\"state\" value=\"([^\"]+)\"")]
    private static partial Regex StateField();
}
