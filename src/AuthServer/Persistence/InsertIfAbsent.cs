using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace AuthServer.Persistence;

/// <summary>
/// One row inserted unless its key is already taken, as one statement whose row count says which. Where parallel
/// requests race to create the same row (a sign-in counter, a DPoP proof's one use), losing is an expected answer, not an
/// exception that EF Core would log as an error with its stack. SQLite: `ON CONFLICT DO NOTHING`; SQL Server: an
/// `INSERT … SELECT … WHERE NOT EXISTS` under a key-range lock, so two inserts of one key cannot both pass the check.
/// A unique violation that still comes through (another unique index) counts as lost too.
/// </summary>
public static class InsertIfAbsent
{
    private static readonly ConditionalWeakTable<IEntityType, string> s_statements = [];

    /// <summary>True when this call inserted the row; false when a row with its key was there first.</summary>
    public static async Task<bool> ExecuteAsync<TEntity>(DbContext db, TEntity row, CancellationToken cancellationToken)
        where TEntity : class
    {
        var entity = db.Model.FindEntityType(typeof(TEntity)) ?? throw new InvalidOperationException($"The model has no {typeof(TEntity).Name}.");
        var statement = s_statements.GetValue(entity, _ => StatementFor(db, entity));
        using var factory = db.Database.GetDbConnection().CreateCommand();
        var parameters = entity.GetProperties()
            .Select((property, i) => property.GetRelationalTypeMapping().CreateParameter(factory, $"@p{i}", property.GetGetter().GetClrValue(row), property.IsNullable))
            .ToArray();
        try
        {
            return await db.Database.ExecuteSqlRawAsync(statement, parameters, cancellationToken) == 1;
        }
        catch (Exception exception) when (UniqueViolation.Is(exception))
        {
            return false;
        }
    }

    /// <summary>The statement for <typeparamref name="TEntity"/> in the context's provider (public for the SQL Server syntax check).</summary>
    public static string StatementFor<TEntity>(DbContext db) where TEntity : class =>
        StatementFor(db, db.Model.FindEntityType(typeof(TEntity)) ?? throw new InvalidOperationException($"The model has no {typeof(TEntity).Name}."));

    private static string StatementFor(DbContext db, IEntityType entity)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var properties = entity.GetProperties().ToList();
        var table = sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
        var columns = string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName())));
        var values = string.Join(", ", properties.Select((_, i) => $"@p{i}"));
        if (db.Database.IsSqlite())
        {
            return $"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING";
        }

        var key = string.Join(" AND ", entity.FindPrimaryKey()!.Properties.Select(p => $"{sql.DelimitIdentifier(p.GetColumnName())} = @p{properties.IndexOf((IProperty)p)}"));
        return $"INSERT INTO {table} ({columns}) SELECT {values} WHERE NOT EXISTS (SELECT 1 FROM {table} WITH (UPDLOCK, HOLDLOCK) WHERE {key})";
    }
}
