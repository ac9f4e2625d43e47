using System.Text.Json;
using AuthServer.Contracts.SharedSignals;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>
/// Key changes on the feed (decision 016), on the transmitter's side: every change of a published key is one signed SET
/// on the feed (an emergency rotation announced before the key signs, its activation, a revocation with its
/// replacement), and an activation that two instances see at once is still one event.
/// </summary>
public sealed class KeyChangeEventTests : IDisposable
{
    private readonly AuthServerFactory _a = new AuthServerFactory().Set("Keys:Automatic", "true");
    private readonly AuthServerFactory _b;

    public KeyChangeEventTests()
    {
        _b = new AuthServerFactory().Set("Keys:Automatic", "true").Set("Database:ConnectionString", $"Data Source={Path.Combine(_a.Folder, "auth.db")}");
        // A first, then B (whose test clock therefore reads a moment later): both hold the keys before any test begins.
        _a.CreateClient().Dispose();
        _b.CreateClient().Dispose();
    }

    [Fact]
    public async Task A_rotation_is_announced_before_the_key_signs_and_its_activation_is_one_event_though_two_instances_see_it()
    {
        var feed = new FeedClient(_a.CreateClient());
        await feed.CreateStreamAsync();
        await DrainAsync(feed);
        var client = new TokenClient(_a.CreateClient());
        var user = (await _a.CreateUserAsync()).UserName!;
        var before = await KeyProbe.IssueAsync(client, user);

        var rotated = await new AdminClient(_a.CreateClient()).OkAsync(HttpMethod.Post, "/admin/keys/rotate", new { use = "access" });
        var kid = rotated.GetProperty("keys")[0].GetProperty("kid").GetString()!;

        var announced = Assert.Single(await EventsAsync(feed));
        Assert.Equal((kid, KeyChangeMembers.Announced, "admin"), announced);
        Assert.Contains(kid, await KeyProbe.PublishedAsync(client));
        Assert.Equal(before.AccessKid, (await KeyProbe.IssueAsync(client, user)).AccessKid);

        // Both instances reach the activation time; each refresher wakes for it and sees the key become active.
        _a.Clock.Advance(TimeSpan.FromSeconds(5));
        _b.Clock.Advance(TimeSpan.FromSeconds(5));
        var clientB = new TokenClient(_b.CreateClient());
        await Eventually.TrueAsync(async () => (await KeyProbe.IssueAsync(client, user)).AccessKid == kid
            && (await KeyProbe.IssueAsync(clientB, user)).AccessKid == kid, "the rotated key never signed on both instances");

        Assert.Equal((kid, KeyChangeMembers.Activated, "system"), Assert.Single(await EventsAsync(feed)));
    }

    [Fact]
    public async Task A_revoked_key_is_one_event_and_its_replacement_another_both_signed_by_a_published_key()
    {
        var feed = new FeedClient(_a.CreateClient());
        await feed.CreateStreamAsync();
        await DrainAsync(feed);
        var client = new TokenClient(_a.CreateClient());
        var issued = await KeyProbe.IssueAsync(client, (await _a.CreateUserAsync()).UserName!);

        await new AdminClient(_a.CreateClient()).OkAsync(HttpMethod.Post, $"/admin/keys/{issued.AccessKid}/revoke");
        await new AdminClient(_a.CreateClient()).OkAsync(HttpMethod.Post, $"/admin/keys/{issued.EncryptionKid}/revoke");

        // The receiver's own token was signed by the revoked key: it needs a new one. The encryption key is never
        // published, so its revocation is no event for resource servers.
        await feed.TokenAsync();
        var events = await EventsAsync(feed);
        Assert.Equal(2, events.Count);
        Assert.Contains((issued.AccessKid, KeyChangeMembers.Revoked, "admin"), events);
        var replacement = Assert.Single(events, e => e.Change == KeyChangeMembers.Activated).Kid;
        Assert.Contains(replacement, await KeyProbe.PublishedAsync(client));
        Assert.DoesNotContain(issued.AccessKid, await KeyProbe.PublishedAsync(client));
    }

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }

    private static async Task DrainAsync(FeedClient feed)
    {
        var sets = await feed.SetsAsync(new { returnImmediately = true, maxEvents = 100 });
        if (sets.Count > 0)
        {
            await feed.SetsAsync(new { returnImmediately = true, ack = sets.Keys.ToArray() });
        }
    }

    /// <summary>The key-change events now waiting (each SET verified with the published JWKS), acknowledged.</summary>
    private static async Task<List<(string Kid, string Change, string InitiatingEntity)>> EventsAsync(FeedClient feed)
    {
        var sets = await feed.SetsAsync(new { returnImmediately = true, maxEvents = 100 });
        var events = new List<(string, string, string)>();
        foreach (var set in sets.Values)
        {
            var claims = await feed.VerifyAsync(set);
            if (claims.GetProperty("events").TryGetProperty(EventTypes.KeyChange, out var change))
            {
                var subject = claims.GetProperty("sub_id");
                Assert.Equal("opaque", subject.GetProperty("format").GetString());
                Assert.Equal(subject.GetProperty("id").GetString(), change.GetProperty("kid").GetString());
                Assert.Equal(JsonValueKind.Number, change.GetProperty("event_timestamp").ValueKind);
                events.Add((change.GetProperty("kid").GetString()!, change.GetProperty("change").GetString()!, change.GetProperty("initiating_entity").GetString()!));
            }
        }

        if (sets.Count > 0)
        {
            await feed.SetsAsync(new { returnImmediately = true, ack = sets.Keys.ToArray() });
        }

        return events;
    }
}
