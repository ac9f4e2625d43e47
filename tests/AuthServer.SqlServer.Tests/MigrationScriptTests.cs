using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace AuthServer.SqlServer.Tests;

/// <summary>
/// The T-SQL an operator runs (deploy/sql/migrate.sql) is checked without a SQL Server: generated from the
/// migrations exactly as `dotnet ef migrations script --idempotent` does, parsed by Microsoft's own parser,
/// and compared with the committed file so a migration added without regenerating it fails here.
/// </summary>
public sealed class MigrationScriptTests
{
    private const string Regenerate =
        "dotnet tool restore && dotnet ef migrations script --idempotent --project src/AuthServer.Migrations.SqlServer --startup-project src/AuthServer.Migrations.SqlServer -o deploy/sql/migrate.sql";

    private static readonly string CommittedScript = Path.Combine(RepositoryRoot(), "deploy", "sql", "migrate.sql");

    [Fact]
    public void Idempotent_script_parses_as_SQL_Server_2022_TSQL_without_errors()
    {
        var script = GenerateIdempotentScript();

        var batches = ParseBatches(script);

        Assert.NotEmpty(batches);
        Assert.All(batches, batch => Assert.True(batch.Errors.Count == 0, Describe(batch)));
    }

    [Fact]
    public void Parser_catches_a_broken_batch_so_the_check_above_can_fail()
    {
        var batches = ParseBatches(GenerateIdempotentScript().Replace("CREATE TABLE", "CREATE TABEL", StringComparison.Ordinal));

        Assert.Contains(batches, batch => batch.Errors.Count > 0);
    }

    [Fact]
    public void Committed_script_equals_the_one_the_migrations_generate()
    {
        Assert.True(File.Exists(CommittedScript), $"deploy/sql/migrate.sql is missing. Run: {Regenerate}");

        var committed = Normalize(File.ReadAllText(CommittedScript));
        var generated = Normalize(GenerateIdempotentScript());

        Assert.True(committed == generated, $"deploy/sql/migrate.sql is stale. Run: {Regenerate}");
    }

    [Fact]
    public void Committed_script_creates_every_table_and_records_every_migration()
    {
        var script = File.ReadAllText(CommittedScript);
        using var db = new AuthServer.Migrations.SqlServer.DesignTimeFactory().CreateDbContext([]);

        foreach (var table in new[] { "AspNetUsers", "OpenIddictApplications", "OpenIddictAuthorizations", "OpenIddictTokens", "DataProtectionKeys" })
        {
            Assert.Contains($"CREATE TABLE [{table}]", script, StringComparison.Ordinal);
        }

        Assert.All(db.Database.GetMigrations(), id => Assert.Contains($"WHERE [MigrationId] = N'{id}'", script, StringComparison.Ordinal));
    }

    [Fact]
    public void Hand_written_refresh_path_statements_parse_as_SQL_Server_2022_TSQL()
    {
        // docs/hot-path-sql.md is what the SQL Server model makes of them (HotPathSqlTests keeps it current).
        var document = Normalize(File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "hot-path-sql.md")));
        var section = document[document.IndexOf("## SQL Server", StringComparison.Ordinal)..];
        var statements = section.Split("```sql\n").Skip(1).Select(block => block[..block.IndexOf("\n```", StringComparison.Ordinal)]).ToList();

        Assert.Contains(statements, statement => statement.StartsWith("UPDATE", StringComparison.Ordinal) && statement.Contains("EXISTS", StringComparison.Ordinal));
        Assert.All(statements, statement =>
        {
            new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(statement), out var errors);
            Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => e.Message)) + "\n" + statement);
        });
    }

    [Fact]
    public void Conditional_inserts_parse_as_SQL_Server_2022_TSQL()
    {
        using var db = new AuthServer.Migrations.SqlServer.DesignTimeFactory().CreateDbContext([]);
        string[] statements = [InsertIfAbsent.StatementFor<SignInThrottleEntry>(db), InsertIfAbsent.StatementFor<OneTimeUse>(db)];

        Assert.All(statements, statement =>
        {
            Assert.Contains("WITH (UPDLOCK, HOLDLOCK)", statement, StringComparison.Ordinal);
            new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(statement), out var errors);
            Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => e.Message)) + "\n" + statement);
        });
    }

    internal static string GenerateIdempotentScript()
    {
        using var db = new AuthServer.Migrations.SqlServer.DesignTimeFactory().CreateDbContext([]);
        return db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
    }

    /// <summary>`GO` is a client-side separator, not T-SQL: sqlcmd and SSMS split on it, so the parser gets each batch alone.</summary>
    private static List<(int Number, string Text, IList<ParseError> Errors)> ParseBatches(string script)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        var batches = new List<(int, string, IList<ParseError>)>();
        var lines = Normalize(script).Split('\n');
        var current = new List<string>();
        foreach (var line in lines.Append("GO"))
        {
            if (!line.Trim().Equals("GO", StringComparison.OrdinalIgnoreCase))
            {
                current.Add(line);
                continue;
            }

            var text = string.Join('\n', current);
            current.Clear();
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            using var reader = new StringReader(text);
            parser.Parse(reader, out var errors);
            batches.Add((batches.Count + 1, text, errors));
        }

        return batches;
    }

    private static string Describe((int Number, string Text, IList<ParseError> Errors) batch) =>
        $"Batch {batch.Number}: " + string.Join("; ", batch.Errors.Select(e => $"line {e.Line}: {e.Message}")) + "\n" + batch.Text;

    private static string Normalize(string text) => text.TrimStart('\uFEFF').ReplaceLineEndings("\n").Trim();

    internal static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "AuthServer.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("AuthServer.sln was not found above the test output folder.");
    }
}
