using System.Diagnostics;
using System.Security.Cryptography;
using AuthServer.Migrations.Sqlite;
using AuthServer.OperatorsConsole;
using AuthServer.Persistence;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Benchmarks;

/// <summary>
/// The operators' console's user search (<see cref="ConsoleReads.FindUsersAsync"/>) on a SQLite file of 1,000,000 users:
/// the console's first page (26 rows) for a rare prefix, common ones, an e-mail prefix, no match and no query.
/// The requirement: under 100 ms on a million users. Setup prints each query's SQL and SQLite's plan for it.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs each case in its own process, so the seeded file is kept in the temp folder and reused by the
/// next case and the next run, keyed by the newest migration and <see cref="DataVersion"/>; delete
/// <c>$TMPDIR/authserver-usersearch</c> to seed again. One context serves every operation, as one request's scoped
/// (pooled) context would: the console's query runs without tracking, so nothing accumulates in it.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(WideParameterColumn))]
public class UserSearchBenchmarks
{
    public const int Users = 1_000_000;

    /// <summary>Users named <c>user000000</c> and on; the others are <c>first.lastN</c> with e-mail <c>last.firstN@domain</c>.</summary>
    private const int NumberedUsers = 600_000;

    /// <summary>Change it when the seeded data changes, so an older file is not reused.</summary>
    private const int DataVersion = 1;

    private static readonly string[] s_firstNames =
    [
        "alice", "alina", "ali", "albert", "alex", "amelia", "anna", "bob", "bonnie", "boris", "brian", "carla", "charles",
        "chen", "david", "diana", "elena", "emma", "farid", "fatima", "george", "grace", "hana", "hugo", "ines", "ivan",
        "jack", "julia", "kenji", "laura", "liam", "maria", "mohammed", "nina", "olga", "omar", "pablo", "priya", "sofia", "tom",
    ];

    private static readonly string[] s_lastNames =
    [
        "smith", "garcia", "kim", "nguyen", "müller", "øberg", "rossi", "dubois", "kowalski", "silva", "tanaka", "okafor",
        "hansen", "novak", "ivanova", "jones", "brown", "lee", "martin", "lopez", "wilson", "khan", "singh", "cohen", "weber",
        "moreau", "costa", "berg", "larsen", "horvat", "popescu", "yilmaz", "sato", "wang", "li", "patel", "murphy", "walsh",
        "fischer", "schmidt",
    ];

    private static readonly string[] s_domains = ["example.com", "example.org", "mail.example.net"];

    private static readonly UpperInvariantLookupNormalizer s_normalizer = new();

    private AuthDbContext _db = null!;

    /// <summary>One search as an operator types it; the expected count of matching users is in the name.</summary>
    public sealed record Query(string Kind, string Prefix)
    {
        public override string ToString() => $"{Kind} '{Prefix}'";
    }

    public static IEnumerable<Query> Queries() =>
    [
        new("rare, 11", "bob.smith12"),
        new("common, 30000", "bo"),
        new("numbered, 10000", "user12"),
        new("one letter, 70000", "a"),
        new("broad, 600000", "user"),
        new("e-mail only, 1750", "garcia.a"),
        new("no match", "xq"),
        new("no query, all", ""),
    ];

    [ParamsSource(nameof(Queries))]
    public Query Search { get; set; } = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _db = await OpenSeededAsync();
        var byEmail = Search.Prefix.Contains('@', StringComparison.Ordinal);
        var query = ConsoleReads.PageQuery(_db, s_normalizer.NormalizeName(Search.Prefix) ?? "", byEmail, 1, DateTimeOffset.UtcNow);
        Console.WriteLine($"// {Search}: first page {(await FirstPage()).Count} rows (by name; by e-mail only when no name matches)");
        Console.WriteLine("// SQL:");
        Console.WriteLine(query.ToQueryString());
        Console.WriteLine("// EXPLAIN QUERY PLAN:");
        foreach (var line in await PlanAsync(query))
        {
            Console.WriteLine($"//   {line}");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _db.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    /// <summary>What the console's Users page runs for the first page: 25 rows and one more to know there is a next page.</summary>
    [Benchmark(Description = "console user search, first page")]
    public async Task<List<UserRow>> FirstPage() =>
        (await ConsoleReads.FindUsersAsync(_db, s_normalizer, Search.Prefix, 1, DateTimeOffset.UtcNow, CancellationToken.None)).Rows;

    private static AuthDbContext Context(string file) => new(
        new DbContextOptionsBuilder<AuthDbContext>().WithIdentitySchema()
            .UseSqlite($"Data Source={file}", sqlite => sqlite.MigrationsAssembly(typeof(DesignTimeFactory).Assembly.GetName().Name))
            .UseOpenIddict()
            .Options);

    /// <summary>The seeded file of an earlier case or run, or a new one: migrated, seeded in one transaction, analyzed.</summary>
    private static async Task<AuthDbContext> OpenSeededAsync()
    {
        string lastMigration;
        await using (var probe = Context(":memory:"))
        {
            lastMigration = probe.Database.GetMigrations().Last();
        }

        var folder = Path.Combine(Path.GetTempPath(), "authserver-usersearch", $"{lastMigration}-v{DataVersion}-{Users}");
        var file = Path.Combine(folder, "auth.db");
        var log = Path.Combine(folder, "seeded.txt");
        if (File.Exists(file) && File.Exists(log))
        {
            Console.WriteLine($"// Reusing {file}: {await File.ReadAllTextAsync(log)}");
            return Context(file);
        }

        Directory.CreateDirectory(folder);
        var partial = Path.Combine(folder, "partial.db");
        File.Delete(partial);
        var migrate = Stopwatch.StartNew();
        await using (var db = Context(partial))
        {
            await db.Database.MigrateAsync();
        }

        // The migration's pooled connection would keep the file open, and the journal mode cannot change under it.
        SqliteConnection.ClearAllPools();
        migrate.Stop();
        var seed = Stopwatch.StartNew();
        await using (var connection = new SqliteConnection($"Data Source={partial};Pooling=False"))
        {
            await connection.OpenAsync();
            await ExecuteAsync(connection, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;");
            await SeedAsync(connection);
            seed.Stop();
            var analyze = Stopwatch.StartNew();
            await ExecuteAsync(connection, "ANALYZE;");
            // As the server leaves its file (DatabaseInitializer): WAL, stored in the file.
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;");
            var text = $"{Users:N0} users seeded in {seed.Elapsed.TotalSeconds:F1} s (one transaction, one prepared INSERT), " +
                $"ANALYZE {analyze.Elapsed.TotalSeconds:F1} s, migrations {migrate.Elapsed.TotalSeconds:F1} s, " +
                $"file {new FileInfo(partial).Length / 1024 / 1024} MiB, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC";
            await File.WriteAllTextAsync(log + ".partial", text);
            Console.WriteLine($"// {text}");
        }

        File.Move(partial, file, overwrite: true);
        File.Move(log + ".partial", log, overwrite: true);
        return Context(file);
    }

    private static async Task SeedAsync(SqliteConnection connection)
    {
        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO AspNetUsers (Id, UserName, NormalizedUserName, Email, NormalizedEmail, EmailConfirmed, PasswordHash,
                SecurityStamp, ConcurrencyStamp, PhoneNumber, PhoneNumberConfirmed, TwoFactorEnabled, LockoutEnd, LockoutEnabled, AccessFailedCount)
            VALUES ($id, $name, $normalizedName, $email, $normalizedEmail, $confirmed, NULL,
                $securityStamp, $concurrencyStamp, NULL, 0, 0, $lockoutEnd, 1, 0)
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var normalizedName = insert.Parameters.Add("$normalizedName", SqliteType.Text);
        var email = insert.Parameters.Add("$email", SqliteType.Text);
        var normalizedEmail = insert.Parameters.Add("$normalizedEmail", SqliteType.Text);
        var confirmed = insert.Parameters.Add("$confirmed", SqliteType.Integer);
        var securityStamp = insert.Parameters.Add("$securityStamp", SqliteType.Text);
        var concurrencyStamp = insert.Parameters.Add("$concurrencyStamp", SqliteType.Text);
        var lockoutEnd = insert.Parameters.Add("$lockoutEnd", SqliteType.Text);
        insert.Prepare();

        // A fixed spread, so each prefix always matches the same users: the numbered block first, then every
        // (first, last) pair once per suffix 0..249. "bo" matches bob, bonnie and boris (3 × 10,000).
        var pairs = s_firstNames.Length * s_lastNames.Length;
        var lockedUntil = new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero).ToString("O");
        for (var i = 0; i < Users; i++)
        {
            string userName, mail;
            if (i < NumberedUsers)
            {
                userName = $"user{i:D6}";
                mail = $"{userName}@example.com";
            }
            else
            {
                var j = i - NumberedUsers;
                var first = s_firstNames[j % s_firstNames.Length];
                var last = s_lastNames[j / s_firstNames.Length % s_lastNames.Length];
                var suffix = j / pairs;
                userName = $"{first}.{last}{suffix}";
                mail = $"{last}.{first}{suffix}@{s_domains[j % s_domains.Length]}";
            }

            id.Value = Guid.NewGuid().ToString();
            name.Value = userName;
            normalizedName.Value = userName.ToUpperInvariant();
            email.Value = mail;
            normalizedEmail.Value = mail.ToUpperInvariant();
            confirmed.Value = i % 10 == 0 ? 0 : 1;
            securityStamp.Value = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            concurrencyStamp.Value = Guid.NewGuid().ToString();
            lockoutEnd.Value = i % 1000 == 7 ? lockedUntil : DBNull.Value;
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>SQLite's plan for the query EF Core sends, with its parameters bound as EF Core binds them.</summary>
    private async Task<List<string>> PlanAsync(IQueryable<UserRow> query)
    {
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        await _db.Database.OpenConnectionAsync();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            List<string> plan = [];
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }

            return plan;
        }
        finally
        {
            await _db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>The search's kind, expected matches and prefix in full, not cut to 20 characters.</summary>
internal sealed class WideParameterColumn : ManualConfig
{
    public WideParameterColumn() => SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(40);
}
