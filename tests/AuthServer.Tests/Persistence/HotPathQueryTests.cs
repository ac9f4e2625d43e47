using System.Text.RegularExpressions;
using AuthServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Serilog.Events;

namespace AuthServer.Tests;

/// <summary>
/// The statements the server really sends on the password, refresh and replay paths (captured from EF Core's
/// command log), each explained by SQLite's planner: none may scan a table that grows with users or tokens.
/// </summary>
public sealed partial class HotPathQueryTests : IDisposable
{
    private readonly AuthServerFactory _server = new AuthServerFactory()
        .Set("Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore.Database.Command", "Information")
        .Set("Tokens:RefreshTokenReuseLeeway", "00:00:00");

    [Fact]
    public async Task Password_refresh_and_replay_statements_seek_by_index_and_never_scan_a_growing_table()
    {
        var client = _server.CreateTokenClient();
        var user = await _server.CreateUserAsync();
        await client.PasswordAsync(user.UserName!, TestUsers.Password);
        var pathStart = _server.LogEvents.Count;

        var first = (await client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var second = (await client.RefreshAsync(first.RefreshToken!)).ShouldSucceed();
        (await client.RefreshAsync(first.RefreshToken!)).ShouldFail(System.Net.HttpStatusCode.BadRequest, "invalid_grant");
        (await client.RefreshAsync(second.RefreshToken!)).ShouldFail(System.Net.HttpStatusCode.BadRequest, "invalid_grant");

        var statements = _server.LogEvents.Skip(pathStart).Select(CommandText).OfType<string>().Distinct().ToList();
        var plans = statements.Where(s => !s.StartsWith("INSERT", StringComparison.Ordinal)).ToDictionary(s => s, Explain);

        // The three lookups the paths cannot do without: user by name, token by id, the chain's tokens by authorization.
        Assert.Contains(plans.Values, plan => plan.Any(step => step.Contains("UserNameIndex (NormalizedUserName=?)", StringComparison.Ordinal)));
        Assert.Contains(plans.Values, plan => plan.Any(step => step.Contains("OpenIddictTokens_1 (Id=?)", StringComparison.Ordinal)));
        Assert.Contains(plans.Values, plan => plan.Any(step => step.Contains("IX_OpenIddictTokens_AuthorizationId (AuthorizationId=?)", StringComparison.Ordinal)));
        Assert.All(plans, entry => Assert.True(
            !entry.Value.Any(step => step.StartsWith("SCAN", StringComparison.Ordinal)),
            $"This statement scans a table:\n{entry.Key}\nPlan: {string.Join(" | ", entry.Value)}"));
    }

    public void Dispose() => _server.Dispose();

    private static string? CommandText(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("commandText", out var value) && value is ScalarValue { Value: string text } ? text : null;

    private List<string> Explain(string statement)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_server.Folder, "auth.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + statement;
        foreach (var name in Parameter().Matches(statement).Select(m => m.Value).Distinct())
        {
            command.Parameters.AddWithValue(name, DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        var plan = new List<string>();
        while (reader.Read())
        {
            plan.Add(reader.GetString(3));
        }

        return plan;
    }

    [GeneratedRegex(@"@\w+")]
    private static partial Regex Parameter();
}
