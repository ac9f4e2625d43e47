using AuthServer.Tests.Infrastructure;
using AuthServer.Tokens;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Conformance;

/// <summary>
/// oidcc-backchannel-rp-initiated-logout-certification-test-plan's logout module: the `spa` client registers a back-channel
/// logout URI (a real listener), and an RP-initiated logout must post it a valid logout token for the session.
/// </summary>
public sealed class BackchannelPlanTests(BackchannelLogoutServerFactory server) : IClassFixture<BackchannelLogoutServerFactory>
{
    // Logout at the end_session_endpoint: a logout token to the client (Back-Channel Logout 1.0 §2.4), back to the client, session gone.
    [Fact]
    public async Task oidcc_backchannel_rp_initiated_logout()
    {
        using var rp = new RelyingParty(server);
        var flow = await rp.SignInFlowAsync(await server.CreateUserAsync());
        var sid = flow.IdToken.GetClaim("sid").Value;

        using var response = await rp.Browser.GetAsync(QueryHelpers.AddQueryString(Endpoints.EndSession, new Dictionary<string, string?>
        {
            ["id_token_hint"] = flow.Tokens.Get("id_token"),
            ["post_logout_redirect_uri"] = BrowserClient.PostLogoutRedirectUri,
            ["state"] = "bye",
        }));
        Assert.Equal(BrowserClient.PostLogoutRedirectUri, rp.Browser.LocationOf(response).GetLeftPart(UriPartial.Path));

        await Eventually.TrueAsync(() => server.Receiver.Received.Any(t => new JsonWebToken(t).GetClaim("sid").Value == sid),
            "No logout token for the session.", advancing: server.Clock, step: TimeSpan.FromMilliseconds(500));
        var token = server.Receiver.Received.Select(t => new JsonWebToken(t)).First(t => t.GetClaim("sid").Value == sid);
        await ValidLogoutTokenAsync(rp, token, flow);

        using var silent = await rp.Browser.GetAsync(rp.AuthorizeUrl(new Dictionary<string, string?> { ["prompt"] = "none" }));
        Assert.Equal("login_required", (await rp.AnswerAsync(rp.ToClient(silent)))["error"]);
    }

    /// <summary>§2.4 and §2.6: signed by a JWKS key, iss, aud, iat, jti, the back-channel event, sub and sid of the session, no nonce.</summary>
    private async Task ValidLogoutTokenAsync(RelyingParty rp, JsonWebToken token, FlowResult flow)
    {
        var jwks = await OidcChecks.JwksAsync(rp.Http);
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token.EncodedToken, new TokenValidationParameters
        {
            ValidIssuer = await rp.IssuerAsync(),
            ValidAudience = rp.Client.Id,
            IssuerSigningKey = Assert.Single(jwks.Keys, k => k.Kid == token.Kid),
            LifetimeValidator = (_, expires, _, _) => expires is null || expires > server.Clock.GetUtcNow().UtcDateTime,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.True(token.TryGetPayloadValue<long>("iat", out _), "No iat.");
        Assert.False(string.IsNullOrEmpty(token.Id), "No jti.");
        Assert.Contains("http://schemas.openid.net/event/backchannel-logout", token.GetClaim("events").Value, StringComparison.Ordinal);
        Assert.Equal(flow.IdToken.Subject, token.Subject);
        Assert.False(token.TryGetPayloadValue<string>("nonce", out _), "A logout token must not carry a nonce.");
    }
}
