using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Tests.Keys;

/// <summary>Two instances on one database agree on the keys with nothing but the database between them.</summary>
public sealed class KeysAcrossInstancesTests : IDisposable
{
    private readonly AuthServerFactory _a = new AuthServerFactory().Set("Keys:Automatic", "true");
    private readonly AuthServerFactory _b;

    public KeysAcrossInstancesTests()
    {
        _b = new AuthServerFactory()
            .Set("Keys:Automatic", "true")
            .Set("Database:ConnectionString", $"Data Source={Path.Combine(_a.Folder, "auth.db")}");
    }

    [Fact]
    public async Task Two_instances_starting_at_once_create_exactly_one_key_per_use_and_generation_and_publish_the_same_set()
    {
        // Schema and catalog written first by a third process without automatic keys, so both starts race for the keys
        // alone (two first starts on an empty database also race to insert the catalog's clients: not what this tests).
        using (var seed = new AuthServerFactory().Set("Database:ConnectionString", $"Data Source={Path.Combine(_a.Folder, "auth.db")}"))
        {
            seed.CreateClient().Dispose();
            Assert.Equal(0, await seed.WithDbAsync(db => db.ManagedKeys.CountAsync()));
        }

        var starts = await Task.WhenAll(Task.Run(() => Record.Exception(() => _a.CreateClient())), Task.Run(() => Record.Exception(() => _b.CreateClient())));
        Assert.True(starts.All(failure => failure is null), "An instance did not start: " + string.Join(" | ",
            _a.LogEvents.Concat(_b.LogEvents).Where(e => e.Level >= Serilog.Events.LogEventLevel.Error).Select(e => e.RenderMessage() + " " + e.Exception?.Message)));
        var clientA = new TokenClient(_a.CreateClient());
        var clientB = new TokenClient(_b.CreateClient());

        await AssertOnePerGenerationAsync(3);
        Assert.Equal(await KeyProbe.PublishedAsync(clientA), await KeyProbe.PublishedAsync(clientB));

        // Both clocks reach the announce time together: both refreshers try to create the next keys.
        _a.Clock.Advance(TimeSpan.FromDays(77));
        _b.Clock.Advance(TimeSpan.FromDays(77));
        await Eventually.TrueAsync(async () =>
            (await KeyProbe.PublishedAsync(clientA)).Count == 4 && (await KeyProbe.PublishedAsync(clientB)).Count == 4,
            "the next keys never reached both instances");
        await AssertOnePerGenerationAsync(6);
        Assert.Equal(await KeyProbe.PublishedAsync(clientA), await KeyProbe.PublishedAsync(clientB));

        // A token signed at one instance validates with the other's JWKS, and a refresh token of one redeems at the other.
        var user = await _a.CreateUserAsync();
        var issued = await KeyProbe.IssueAsync(clientA, user.UserName!);
        await clientB.ValidateAsync(issued.AccessToken, "resource-api", _b.Clock.GetUtcNow());
        (await clientB.RefreshAsync(issued.RefreshToken)).ShouldSucceed();
    }

    [Fact]
    public async Task An_instance_whose_clock_runs_behind_uses_the_first_keys_another_instance_just_made_instead_of_creating_rivals()
    {
        // A's clock runs two seconds ahead of B's: for B, A's brand-new keys activate two seconds from now.
        _a.Clock.Advance(TimeSpan.FromSeconds(2));
        var clientA = new TokenClient(_a.CreateClient());
        var clientB = new TokenClient(_b.CreateClient());

        await AssertOnePerGenerationAsync(3);
        Assert.Equal(await KeyProbe.PublishedAsync(clientA), await KeyProbe.PublishedAsync(clientB));
        var user = (await _a.CreateUserAsync()).UserName!;
        var fromA = await KeyProbe.IssueAsync(clientA, user);
        var fromB = await KeyProbe.IssueAsync(clientB, user);
        Assert.Equal(fromA.AccessKid, fromB.AccessKid);
        Assert.Equal(fromA.EncryptionKid, fromB.EncryptionKid);
        (await clientA.RefreshAsync(fromB.RefreshToken)).ShouldSucceed();
    }

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
    }

    private async Task AssertOnePerGenerationAsync(int expected)
    {
        var rows = await _a.WithDbAsync(db => db.ManagedKeys.AsNoTracking().ToListAsync());
        Assert.Equal(expected, rows.Count);
        Assert.All(rows.GroupBy(r => r.Use), use => Assert.Equal(Enumerable.Range(1, expected / 3), use.Select(r => r.Generation).Order()));
    }
}
