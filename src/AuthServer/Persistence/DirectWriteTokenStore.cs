using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictExceptions;
using Token = OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken;

namespace AuthServer.Persistence;

/// <summary>
/// OpenIddict's EF Core token store, with the two writes of every grant (the new entry, and the presented one redeemed)
/// sent as one statement each instead of through the change tracker's SaveChanges, and the lookup by id compiled once
/// (docs/benchmarks.md, issue 16). Every other operation stays OpenIddict's. The statements pass
/// EF Core's interceptors (the SQLite write gate, the command log, tracing), its execution strategy and the context's
/// open transaction, and keep the concurrency check: an entry changed since it was read is not overwritten.
/// </summary>
public sealed class DirectWriteTokenStore(IMemoryCache cache, IOpenIddictEntityFrameworkCoreContext context, IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options)
    : OpenIddictEntityFrameworkCoreTokenStore<Token, OpenIddictEntityFrameworkCoreApplication, OpenIddictEntityFrameworkCoreAuthorization, string>(cache, context, options)
{
    /// <summary>OpenIddict's own lookup (the entry with its client and authorization, tracked), compiled once instead of at every refresh.</summary>
    private static readonly Func<AuthDbContext, string, CancellationToken, Task<Token?>> s_byId = EF.CompileAsyncQuery(
        (AuthDbContext db, string id, CancellationToken _) => db.Set<Token>()
            .Include(token => token.Application)
            .Include(token => token.Authorization)
            .AsTracking()
            .FirstOrDefault(token => token.Id == id));

    public override async ValueTask<Token?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return await s_byId((AuthDbContext)await Context.GetDbContextAsync(cancellationToken), identifier, cancellationToken);
    }

    public override async ValueTask CreateAsync(Token token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var db = await Context.GetDbContextAsync(cancellationToken);
        var statements = TokenRowStatements.For(db);
        await db.Database.ExecuteSqlRawAsync(statements.Insert, statements.Parameters(db, token, References.Of(token)), cancellationToken);
    }

    public override async ValueTask UpdateAsync(Token token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var db = await Context.GetDbContextAsync(cancellationToken);
        var statements = TokenRowStatements.For(db);

        // OpenIddict reads entries through the change tracker; a tracked entry's foreign keys are its own, navigation or not.
        var entry = db.Entry(token);
        if (token.ConcurrencyToken is not { } expected)
        {
            await base.UpdateAsync(token, cancellationToken);
            return;
        }

        var references = entry.State == EntityState.Detached ? References.Of(token) : References.Of(entry);
        token.ConcurrencyToken = Guid.NewGuid().ToString();

        var parameters = statements.Parameters(db, token, references, expected);
        if (await db.Database.ExecuteSqlRawAsync(statements.Update, parameters, cancellationToken) == 0)
        {
            token.ConcurrencyToken = expected;
            throw new ConcurrencyException("The token entry was changed or deleted since it was read.");
        }

        // The row now holds what the entity holds: nothing is left for a later SaveChanges of this context to write again.
        if (entry.State != EntityState.Detached)
        {
            entry.OriginalValues.SetValues(entry.CurrentValues);
            entry.State = EntityState.Unchanged;
        }
    }

    /// <summary>The two foreign keys of a token row.</summary>
    internal readonly record struct References(string? ApplicationId, string? AuthorizationId)
    {
        public static References Of(Token token) => new(token.Application?.Id, token.Authorization?.Id);

        public static References Of(Microsoft.EntityFrameworkCore.ChangeTracking.EntityEntry<Token> entry) => new(
            (string?)entry.Property(TokenRowStatements.ApplicationId).CurrentValue,
            (string?)entry.Property(TokenRowStatements.AuthorizationId).CurrentValue);
    }
}

/// <summary>
/// INSERT and UPDATE of a whole token row, written once per model from its metadata: table and column names, the
/// provider's quoting, and each column's type mapping and converter (CompactStorage's 16-byte ids, type codes and
/// Unix-millisecond dates on SQLite; uniqueidentifier and datetime2 on SQL Server). A column the model gains that
/// this class does not know stops the first write with a clear message instead of being left out silently.
/// </summary>
internal sealed class TokenRowStatements
{
    public const string ApplicationId = "ApplicationId";
    public const string AuthorizationId = "AuthorizationId";
    private const string Expected = "@expected";

    private static readonly ConditionalWeakTable<IModel, TokenRowStatements> s_byModel = [];

    private static readonly Dictionary<string, Func<Token, DirectWriteTokenStore.References, object?>> s_values = new(StringComparer.Ordinal)
    {
        [nameof(Token.Id)] = (token, _) => token.Id,
        [ApplicationId] = (_, references) => references.ApplicationId,
        [AuthorizationId] = (_, references) => references.AuthorizationId,
        [nameof(Token.ConcurrencyToken)] = (token, _) => token.ConcurrencyToken,
        [nameof(Token.CreationDate)] = (token, _) => token.CreationDate,
        [nameof(Token.ExpirationDate)] = (token, _) => token.ExpirationDate,
        [nameof(Token.Payload)] = (token, _) => token.Payload,
        [nameof(Token.Properties)] = (token, _) => token.Properties,
        [nameof(Token.RedemptionDate)] = (token, _) => token.RedemptionDate,
        [nameof(Token.ReferenceId)] = (token, _) => token.ReferenceId,
        [nameof(Token.Status)] = (token, _) => token.Status,
        [nameof(Token.Subject)] = (token, _) => token.Subject,
        [nameof(Token.Type)] = (token, _) => token.Type,
    };

    private readonly IProperty[] _columns;
    private readonly IProperty _concurrencyToken;

    private TokenRowStatements(IModel model, ISqlGenerationHelper sql)
    {
        var entity = model.FindEntityType(typeof(Token)) ?? throw new InvalidOperationException("The model has no OpenIddict token entity.");
        _columns = [.. entity.GetProperties()];
        if (_columns.FirstOrDefault(column => !s_values.ContainsKey(column.Name)) is { } unknown)
        {
            throw new InvalidOperationException($"The token table has a column '{unknown.Name}' that {nameof(DirectWriteTokenStore)} does not write; add it there.");
        }

        _concurrencyToken = entity.FindProperty(nameof(Token.ConcurrencyToken))!;
        var table = sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
        string Column(IProperty property) => sql.DelimitIdentifier(property.GetColumnName());
        string Parameter(int index) => $"@p{index}";

        Insert = $"INSERT INTO {table} ({string.Join(", ", _columns.Select(Column))}) VALUES ({string.Join(", ", _columns.Select((_, i) => Parameter(i)))})";
        var id = Array.FindIndex(_columns, column => column.IsPrimaryKey());
        var assignments = _columns.Select((column, i) => (column, i)).Where(c => !c.column.IsPrimaryKey()).Select(c => $"{Column(c.column)} = {Parameter(c.i)}");
        Update = $"UPDATE {table} SET {string.Join(", ", assignments)} WHERE {Column(_columns[id])} = {Parameter(id)} AND {Column(_concurrencyToken)} = {Expected}";
    }

    public string Insert { get; }

    public string Update { get; }

    public static TokenRowStatements For(DbContext context) =>
        s_byModel.GetValue(context.Model, model => new TokenRowStatements(model, context.GetService<ISqlGenerationHelper>()));

    /// <summary>One parameter per column, typed and converted as EF Core would; with <paramref name="expected"/>, the concurrency check's too.</summary>
    public List<DbParameter> Parameters(DbContext context, Token token, DirectWriteTokenStore.References references, string? expected = null)
    {
        using var factory = context.Database.GetDbConnection().CreateCommand();
        var parameters = new List<DbParameter>(_columns.Length + 1);
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            parameters.Add(column.GetRelationalTypeMapping().CreateParameter(factory, $"@p{i}", s_values[column.Name](token, references), column.IsNullable));
        }

        if (expected is not null)
        {
            parameters.Add(_concurrencyToken.GetRelationalTypeMapping().CreateParameter(factory, Expected, expected, nullable: false));
        }

        return parameters;
    }
}
