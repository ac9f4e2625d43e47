using AuthServer.Persistence;
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
        // Migrated first, so both starts race for the keys, not for the schema.
        var options = new DbContextOptionsBuilder<AuthDbContext>()
            .UseSqlite($"Data Source={Path.Combine(_a.Folder, "auth.db")}", sqlite => sqlite.MigrationsAssembly("AuthServer.Migrations.Sqlite"))
            .Options;
        await using (var db = new AuthDbContext(options))
        {
            await db.Database.MigrateAsync();
        }

        await Task.WhenAll(Task.Run(() => _a.CreateClient()), Task.Run(() => _b.CreateClient()));
        var clientA = new TokenClient(_a.CreateClient());
        var clientB = new TokenClient(_b.CreateClient());

        await AssertOnePerGenerationAsync(3);
        Assert.Equal(await KeyLifecycleTests.PublishedAsync(clientA), await KeyLifecycleTests.PublishedAsync(clientB));

        // Both clocks reach the announce time together: both refreshers try to create the next keys.
        _a.Clock.Advance(TimeSpan.FromDays(77));
        _b.Clock.Advance(TimeSpan.FromDays(77));
        await KeyLifecycleTests.WaitUntilAsync(async () =>
            (await KeyLifecycleTests.PublishedAsync(clientA)).Count == 4 && (await KeyLifecycleTests.PublishedAsync(clientB)).Count == 4,
            "the next keys never reached both instances");
        await AssertOnePerGenerationAsync(6);
        Assert.Equal(await KeyLifecycleTests.PublishedAsync(clientA), await KeyLifecycleTests.PublishedAsync(clientB));

        // A token signed at one instance validates with the other's JWKS, and a refresh token of one redeems at the other.
        var user = await _a.CreateUserAsync();
        var issued = await KeyLifecycleTests.IssueAsync(clientA, user.UserName!);
        await clientB.ValidateAsync(issued.AccessToken, "resource-api", _b.Clock.GetUtcNow());
        (await clientB.RefreshAsync(issued.RefreshToken)).ShouldSucceed();
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
