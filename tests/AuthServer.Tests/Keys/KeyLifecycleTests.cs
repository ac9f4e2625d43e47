using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.Tests.Keys;

/// <summary>
/// Automatic keys over a whole rotation on the test clock (defaults: active 90 days, announced 14 days before): the
/// next keys are published before they sign, every token validates whenever it was issued, old refresh tokens still
/// refresh, and retired keys leave the JWKS once nothing they protected can still be valid.
/// </summary>
public sealed class KeyLifecycleTests : IDisposable
{
    private readonly AuthServerFactory _server = new AuthServerFactory().Set("Keys:Automatic", "true");

    [Fact]
    public async Task A_full_rotation_keeps_every_token_valid_and_publishes_keys_before_they_sign()
    {
        var client = _server.CreateTokenClient();
        var user = await _server.CreateUserAsync();

        // Start: one active key per use; the two signing keys are published.
        var first = await KeyProbe.IssueAsync(client, user.UserName!);
        var (access1, identity1, encryption1) = (first.AccessKid, first.IdentityKid, first.EncryptionKid);
        Assert.Equal(new[] { access1, identity1 }.Order(), await KeyProbe.PublishedAsync(client));
        Assert.Equal(3, await _server.WithDbAsync(db => db.ManagedKeys.CountAsync()));

        // 76 days on: the successors are announced (published, not used).
        _server.Clock.Advance(TimeSpan.FromDays(76) + TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => (await KeyProbe.PublishedAsync(client)).Count == 4, "the announced keys were never published");
        var announced = await KeyProbe.IssueAsync(client, user.UserName!);
        Assert.Equal((access1, identity1, encryption1), (announced.AccessKid, announced.IdentityKid, announced.EncryptionKid));
        var published = await KeyProbe.PublishedAsync(client);

        // Just before the switch: a token, and two refresh tokens encrypted with the first encryption key.
        _server.Clock.Advance(TimeSpan.FromDays(14) - TimeSpan.FromMinutes(6));
        var before = await KeyProbe.IssueAsync(client, user.UserName!);
        var keptRefreshToken = (await client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed().RefreshToken!;
        Assert.Equal(encryption1, new JsonWebToken(keptRefreshToken).Kid);

        // Day 90: the announced keys sign and encrypt; the first ones are retired but still published.
        _server.Clock.Advance(TimeSpan.FromMinutes(7));
        await Eventually.TrueAsync(async () => (await KeyProbe.IssueAsync(client, user.UserName!)).AccessKid != access1, "the announced key never became active");
        var after = await KeyProbe.IssueAsync(client, user.UserName!);
        Assert.NotEqual(identity1, after.IdentityKid);
        Assert.NotEqual(encryption1, after.EncryptionKid);
        Assert.Equal(published, await KeyProbe.PublishedAsync(client));
        Assert.Contains(after.AccessKid, published);
        Assert.Contains(after.IdentityKid, published);

        // Issued before the switch, validated after it: the retired key is still published.
        await client.ValidateAsync(before.AccessToken, "resource-api", _server.Clock.GetUtcNow());
        await client.ValidateAsync(after.AccessToken, "resource-api", _server.Clock.GetUtcNow());
        var refreshed = (await client.RefreshAsync(before.RefreshToken)).ShouldSucceed();
        Assert.Equal(after.EncryptionKid, new JsonWebToken(refreshed.RefreshToken!).Kid);

        // Once the longest token the retired signing keys signed has expired, they leave the JWKS.
        _server.Clock.Advance(TimeSpan.FromMinutes(30));
        await Eventually.TrueAsync(async () => (await KeyProbe.PublishedAsync(client)).Count == 2, "the retired signing keys were never unpublished");
        Assert.Equal(new[] { after.AccessKid, after.IdentityKid }.Order(), await KeyProbe.PublishedAsync(client));

        // The retired encryption key still decrypts a refresh token issued under it, until that token's own expiry (7 days).
        _server.Clock.Advance(TimeSpan.FromDays(6));
        var late = (await client.RefreshAsync(keptRefreshToken)).ShouldSucceed();
        await client.ValidateAsync(late.AccessToken!, "resource-api", _server.Clock.GetUtcNow());

        // After it, the retired encryption key is removed: only the active generation of each use is left.
        _server.Clock.Advance(TimeSpan.FromDays(2));
        await Eventually.TrueAsync(async () => await _server.WithDbAsync(db => db.ManagedKeys.CountAsync()) == 3, "the retired encryption key was never removed");
        Assert.Equal(
            new[] { after.AccessKid, after.IdentityKid, after.EncryptionKid }.Order(),
            await _server.WithDbAsync(async db => (await db.ManagedKeys.Select(k => k.Kid).ToListAsync()).Order().ToList()));
    }

    [Fact]
    public async Task Stored_keys_hold_no_readable_private_key_and_every_transition_is_audited()
    {
        var client = _server.CreateTokenClient();
        await KeyProbe.IssueAsync(client, (await _server.CreateUserAsync()).UserName!);

        var rows = await _server.WithDbAsync(db => db.ManagedKeys.ToListAsync());
        Assert.Equal(["access", "encryption", "identity"], rows.Select(r => r.Use).Order());
        Assert.All(rows, row =>
        {
            Assert.DoesNotContain("PRIVATE KEY", row.ProtectedKey, StringComparison.Ordinal);
            Assert.StartsWith("CfDJ8", row.ProtectedKey, StringComparison.Ordinal); // the Data Protection payload's magic header, base64
        });

        // Created on day 77, the successors are announced for the full 14 days: active from day 91.
        _server.Clock.Advance(TimeSpan.FromDays(77));
        await Eventually.TrueAsync(() => Task.FromResult(Count(4000) == 6), "the announced keys were never created");
        _server.Clock.Advance(TimeSpan.FromDays(14) + TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(() => Task.FromResult(Count(4001) == 3 && Count(4002) == 3), "activation and retirement were never audited");
        Assert.DoesNotContain(_server.LogEvents, e => LogEventIds.Of(e) is >= 4000 and < 4020 && e.RenderMessage().Contains("CfDJ8", StringComparison.Ordinal));
    }

    public void Dispose() => _server.Dispose();

    private int Count(int eventId) => _server.LogEvents.Count(e => LogEventIds.Of(e) == eventId);
}
