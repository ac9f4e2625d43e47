using AuthServer.Login;

namespace AuthServer.UnitTests.Login;

/// <summary>The login page's return URL is a path on this server or nothing (RFC 9700 §4.11: no open redirector).</summary>
public sealed class ReturnUrlTests
{
    [Theory]
    [InlineData("/connect/authorize?client_id=spa&scope=openid")]
    [InlineData("/")]
    [InlineData("/account/consent")]
    public void A_local_path_is_kept(string url) => Assert.Equal(url, LoginPage.SafeReturnUrl(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("javascript:alert(1)")]
    [InlineData("evil.example")]
    [InlineData("/ok\r\nLocation: https://evil.example/")]
    [InlineData("/tab\there")]
    [InlineData("/é")]
    [InlineData("/\uFF0F\uFF0Fevil.example")]
    [InlineData("/connect/authorize?client_id=spa&state=é")]
    [InlineData("/a b")]
    public void Anything_else_becomes_the_root(string? url) => Assert.Equal("/", LoginPage.SafeReturnUrl(url));
}
