using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace AuthServer.Persistence;

/// <summary>
/// A user as stored, with the names of their roles: what a refresh or an authorization re-checks and puts in tokens; and
/// whether the browser session the grant was made in has ended since (ending it revokes what it issued, but a grant under
/// way while it ended may have minted a code or token the revocation did not see).
/// </summary>
public sealed record UserWithRoles(IdentityUser User, IReadOnlyList<string> Roles, bool SessionEnded = false)
{
    /// <summary>
    /// One statement instead of Identity's two (the user by key, then their roles), which cost a refresh more CPU than
    /// the database work itself (decision 014; docs/benchmarks.md, "Refresh path"). It seeks the user by primary key
    /// and their role links by the (UserId, RoleId) key, and passes EF Core's interceptors, command log and tracing
    /// like any other statement. The user is read, not tracked: it issues tokens and is never saved. The session's end
    /// is a primary-key probe inside the same statement, so checking it costs no round trip.
    /// </summary>
    public static async Task<UserWithRoles?> FindAsync(AuthDbContext db, string userId, string? sessionId, CancellationToken cancellationToken)
    {
        var statement = Statement.For(db);
        using var factory = db.Database.GetDbConnection().CreateCommand();
        var parameter = statement.UserKey.GetRelationalTypeMapping().CreateParameter(factory, "@id", userId, nullable: false);
        var session = statement.SessionKey.GetRelationalTypeMapping().CreateParameter(factory, "@sid", sessionId, nullable: true);
        var command = db.GetService<IRawSqlCommandBuilder>().Build(statement.Sql, [parameter, session]);
        await using var reader = await command.RelationalCommand.ExecuteReaderAsync(
            new RelationalCommandParameterObject(
                db.GetService<IRelationalConnection>(), command.ParameterValues, readerColumns: null, db,
                db.GetService<IRelationalCommandDiagnosticsLogger>(), CommandSource.FromSqlQuery),
            cancellationToken);

        IdentityUser? user = null;
        var sessionEnded = false;
        var roles = new List<string>(2);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = reader.DbDataReader;
            user ??= Read(row);
            sessionEnded = !row.IsDBNull(Statement.SessionEndedColumn);
            if (!row.IsDBNull(Statement.RoleColumn))
            {
                roles.Add(row.GetString(Statement.RoleColumn));
            }
        }

        return user is null ? null : new UserWithRoles(user, roles, sessionEnded);
    }

    private static IdentityUser Read(DbDataReader row) => new()
    {
        Id = row.GetString(0),
        UserName = Text(row, 1),
        NormalizedUserName = Text(row, 2),
        Email = Text(row, 3),
        NormalizedEmail = Text(row, 4),
        EmailConfirmed = row.GetBoolean(5),
        PasswordHash = Text(row, 6),
        SecurityStamp = Text(row, 7),
        ConcurrencyStamp = Text(row, 8),
        PhoneNumber = Text(row, 9),
        PhoneNumberConfirmed = row.GetBoolean(10),
        TwoFactorEnabled = row.GetBoolean(11),
        LockoutEnd = row.IsDBNull(12) ? null : row.GetFieldValue<DateTimeOffset>(12),
        LockoutEnabled = row.GetBoolean(13),
        AccessFailedCount = row.GetInt32(14),
    };

    private static string? Text(DbDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : row.GetString(ordinal);

    /// <summary>The SQL, written once per model with its table names and the provider's quoting.</summary>
    internal sealed class Statement
    {
        public const int RoleColumn = 15;
        public const int SessionEndedColumn = 16;

        private static readonly ConditionalWeakTable<IModel, Statement> s_byModel = [];

        private static readonly string[] s_userColumns =
        [
            nameof(IdentityUser.Id), nameof(IdentityUser.UserName), nameof(IdentityUser.NormalizedUserName), nameof(IdentityUser.Email),
            nameof(IdentityUser.NormalizedEmail), nameof(IdentityUser.EmailConfirmed), nameof(IdentityUser.PasswordHash),
            nameof(IdentityUser.SecurityStamp), nameof(IdentityUser.ConcurrencyStamp), nameof(IdentityUser.PhoneNumber),
            nameof(IdentityUser.PhoneNumberConfirmed), nameof(IdentityUser.TwoFactorEnabled), nameof(IdentityUser.LockoutEnd),
            nameof(IdentityUser.LockoutEnabled), nameof(IdentityUser.AccessFailedCount),
        ];

        private Statement(IModel model, ISqlGenerationHelper sql)
        {
            var users = model.FindEntityType(typeof(IdentityUser))!;

            // Read by position and never saved: a column Identity adds would be silently missing from the user the
            // refresh path checks. Stop the first read instead, naming it (decision 014, "Upgrading").
            if (users.GetProperties().FirstOrDefault(property => !s_userColumns.Contains(property.Name, StringComparer.Ordinal)) is { } unknown)
            {
                throw new InvalidOperationException($"The user table has a column '{unknown.Name}' that {nameof(UserWithRoles)} does not read; add it there.");
            }

            var links = model.FindEntityType(typeof(IdentityUserRole<string>))!;
            var roles = model.FindEntityType(typeof(IdentityRole))!;
            var sessions = model.FindEntityType(typeof(BrowserSession))!;
            string Table(IEntityType entity) => sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
            string Column(IEntityType entity, string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName());

            UserKey = users.FindProperty(nameof(IdentityUser.Id))!;
            SessionKey = sessions.FindProperty(nameof(BrowserSession.Id))!;
            Sql = $"SELECT {string.Join(", ", s_userColumns.Select(c => "u." + Column(users, c)))}, r.{Column(roles, nameof(IdentityRole.Name))}, "
                + $"(SELECT s.{Column(sessions, nameof(BrowserSession.EndedAt))} FROM {Table(sessions)} AS s WHERE s.{Column(sessions, nameof(BrowserSession.Id))} = @sid) "
                + $"FROM {Table(users)} AS u "
                + $"LEFT JOIN {Table(links)} AS ur ON ur.{Column(links, nameof(IdentityUserRole<string>.UserId))} = u.{Column(users, nameof(IdentityUser.Id))} "
                + $"LEFT JOIN {Table(roles)} AS r ON r.{Column(roles, nameof(IdentityRole.Id))} = ur.{Column(links, nameof(IdentityUserRole<string>.RoleId))} "
                + $"WHERE u.{Column(users, nameof(IdentityUser.Id))} = @id";
        }

        public string Sql { get; }

        public IProperty UserKey { get; }

        public IProperty SessionKey { get; }

        public static Statement For(DbContext db) =>
            s_byModel.GetValue(db.Model, model => new Statement(model, db.GetService<ISqlGenerationHelper>()));
    }
}
