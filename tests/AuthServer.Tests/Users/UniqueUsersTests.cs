using System.Net;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>Uniqueness held by the database, not only by a check before the insert. Runs on SQL Server too.</summary>
public sealed class UniqueUsersTests(AuthServerFactory server) : UniqueUsersBehaviour(server), IClassFixture<AuthServerFactory>;

public abstract class UniqueUsersBehaviour(AuthServerFactory server)
{
    private const int Creations = 20;

    public static TheoryData<string> SharedKeys => ["email", "userName"];

    [Theory]
    [MemberData(nameof(SharedKeys))]
    public async Task Twenty_concurrent_creations_sharing_one_key_give_one_201_and_nineteen_409s(string shared)
    {
        server.SkipIfUnavailable();
        var admin = new AdminClient(server.CreateClient());
        var token = (await new TokenClient(server.CreateClient()).ClientCredentialsAsync()).ShouldSucceed().AccessToken;
        var suffix = Guid.NewGuid().ToString("N")[..8];

        using var start = new SemaphoreSlim(0);
        var creations = Enumerable.Range(0, Creations).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync();
            var body = shared == "email"
                ? new { userName = $"twin-{suffix}-{i}", email = $"Twin-{suffix}@example.test", password = TestUsers.Password }
                : new { userName = $"twin-{suffix}", email = $"twin-{suffix}-{i}@example.test", password = TestUsers.Password };
            return await admin.SendAsync(HttpMethod.Post, "/admin/users", body, token);
        })).ToArray();
        start.Release(Creations);
        var answers = await Task.WhenAll(creations);

        var statuses = string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{g.Count()} x {(int)g.Key}"));
        Assert.True(answers.Count(a => a.Status == HttpStatusCode.Created) == 1 && answers.Count(a => a.Status == HttpStatusCode.Conflict) == Creations - 1, statuses);
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.Conflict), a => Assert.Equal(409, a.Body.GetProperty("status").GetInt32()));

        var normalized = $"TWIN-{suffix.ToUpperInvariant()}";
        var stored = await server.WithDbAsync(db => Task.FromResult(shared == "email"
            ? db.Users.Count(u => u.NormalizedEmail == normalized + "@EXAMPLE.TEST")
            : db.Users.Count(u => u.NormalizedUserName == normalized)));
        Assert.Equal(1, stored);
    }
}
