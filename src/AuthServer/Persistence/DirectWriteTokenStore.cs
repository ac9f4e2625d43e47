using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Abstractions.OpenIddictExceptions;
using Token = OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken;

namespace AuthServer.Persistence;

/// <summary>
/// OpenIddict's EF Core token store, with the two writes of every grant (the new entry, and the presented one redeemed)
/// sent as one statement each instead of through the change tracker's SaveChanges, and the lookup by id compiled once
/// (decision 014; docs/benchmarks.md, "Refresh path"). Every other operation stays OpenIddict's. The statements pass
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
        await db.Database.ExecuteSqlRawAsync(statements.Insert, statements.Parameters(db, token, References.Of(token), statements.All), cancellationToken);
    }

    public override async ValueTask UpdateAsync(Token token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var db = await Context.GetDbContextAsync(cancellationToken);
        var statements = TokenRowStatements.For(db);

        if (token.ConcurrencyToken is not { } expected)
        {
            await base.UpdateAsync(token, cancellationToken);
            return;
        }

        // OpenIddict reads entries through the change tracker; a tracked entry's foreign keys are its own, navigation or not.
        var entry = db.Entry(token);

        // A tracked entry writes only what changed (a redeemed entry: status, redemption date, concurrency token), so its
        // indexed columns are not rewritten; an entry from elsewhere writes every column, as OpenIddict's store does.
        var tracked = entry.State != EntityState.Detached;
        var references = tracked ? References.Of(entry) : References.Of(token);
        var columns = tracked ? statements.Modified(entry) : statements.All;
        token.ConcurrencyToken = Guid.NewGuid().ToString();

        var parameters = statements.Parameters(db, token, references, columns, expected);
        if (await db.Database.ExecuteSqlRawAsync(statements.Update(columns), parameters, cancellationToken) == 0)
        {
            token.ConcurrencyToken = expected;
            throw new ConcurrencyException("The token entry was changed or deleted since it was read.");
        }

        // The row now holds what the entity holds: nothing is left for a later SaveChanges of this context to write again.
        if (tracked)
        {
            entry.OriginalValues.SetValues(entry.CurrentValues);
            entry.State = EntityState.Unchanged;
        }
    }

    /// <summary>The two foreign keys of a token row.</summary>
    internal readonly record struct References(string? ApplicationId, string? AuthorizationId)
    {
        public static References Of(Token token) => new(token.Application?.Id, token.Authorization?.Id);

        public static References Of(EntityEntry<Token> entry) => new(
            (string?)entry.Property(TokenRowStatements.ApplicationId).CurrentValue,
            (string?)entry.Property(TokenRowStatements.AuthorizationId).CurrentValue);
    }
}

/// <summary>
/// INSERT and UPDATE of a token row, written from the model's metadata: table and column names, the provider's quoting,
/// and each column's type mapping and converter (CompactStorage's 16-byte ids, type codes and Unix-millisecond dates on
/// SQLite; uniqueidentifier and datetime2 on SQL Server). An UPDATE names the columns it sets, as a bit set; each set's
/// SQL is written once. A column the model gains that this class does not know stops the first write with a clear
/// message instead of being left out silently.
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
    private readonly string[] _names;
    private readonly string _table;
    private readonly int _key;
    private readonly int _concurrencyToken;
    private readonly ConcurrentDictionary<int, string> _updates = new();

    private TokenRowStatements(IModel model, ISqlGenerationHelper sql)
    {
        var entity = model.FindEntityType(typeof(Token)) ?? throw new InvalidOperationException("The model has no OpenIddict token entity.");
        _columns = [.. entity.GetProperties()];
        if (_columns.FirstOrDefault(column => !s_values.ContainsKey(column.Name)) is { } unknown)
        {
            throw new InvalidOperationException($"The token table has a column '{unknown.Name}' that {nameof(DirectWriteTokenStore)} does not write; add it there.");
        }

        _names = [.. _columns.Select(column => sql.DelimitIdentifier(column.GetColumnName()))];
        _table = sql.DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());
        _key = Array.FindIndex(_columns, column => column.IsPrimaryKey());
        _concurrencyToken = Array.FindIndex(_columns, column => column.Name == nameof(Token.ConcurrencyToken));
        All = (1 << _columns.Length) - 1;
        Insert = $"INSERT INTO {_table} ({string.Join(", ", _names)}) VALUES ({string.Join(", ", _columns.Select((_, i) => Parameter(i)))})";

        var authorizations = model.FindEntityType(typeof(OpenIddictEntityFrameworkCoreAuthorization)) ?? throw new InvalidOperationException("The model has no OpenIddict authorization entity.");
        _authorizationStatus = authorizations.FindProperty(nameof(OpenIddictEntityFrameworkCoreAuthorization.Status))!;
        string Name(string property) => _names[Array.FindIndex(_columns, column => column.Name == property)];
        var (status, redeemedAt) = (Name(nameof(Token.Status)), Name(nameof(Token.RedemptionDate)));
        Redeem = $"UPDATE {_table} SET {status} = @redeemed, {redeemedAt} = COALESCE({redeemedAt}, @now), {_names[_concurrencyToken]} = @stamp "
            + $"WHERE {_names[_key]} = @id AND {Name(nameof(Token.Type))} = @type "
            + $"AND ({status} = @valid OR ({status} = @redeemed AND {redeemedAt} > @reusableAfter)) "
            + $"AND EXISTS (SELECT 1 FROM {sql.DelimitIdentifier(authorizations.GetTableName()!, authorizations.GetSchema())} AS a "
            + $"WHERE a.{sql.DelimitIdentifier(authorizations.FindPrimaryKey()!.Properties[0].GetColumnName())} = {_table}.{Name(AuthorizationId)} "
            + $"AND a.{sql.DelimitIdentifier(_authorizationStatus.GetColumnName())} = @chainValid)";
    }

    /// <summary>
    /// Redeems a refresh token's row in one statement, and only while it may be redeemed: valid, or redeemed within the reuse
    /// leeway (its first redemption date kept, so reuse cannot extend the leeway), and its authorization (the chain) still
    /// valid. The row count decides: checks and write are one step, so parallel requests cannot both pass a check that one
    /// of them then invalidates (docs/DESIGN.md, "Failure and scale").
    /// </summary>
    public string Redeem { get; }

    private readonly IProperty _authorizationStatus;

    /// <summary>The parameters of <see cref="Redeem"/>, typed and converted as EF Core would.</summary>
    public List<DbParameter> RedeemParameters(DbContext context, string id, DateTime now, DateTime reusableAfter)
    {
        using var factory = context.Database.GetDbConnection().CreateCommand();
        var status = Column(nameof(Token.Status));
        var redeemedAt = Column(nameof(Token.RedemptionDate));
        return
        [
            status.GetRelationalTypeMapping().CreateParameter(factory, "@redeemed", Statuses.Redeemed, nullable: false),
            status.GetRelationalTypeMapping().CreateParameter(factory, "@valid", Statuses.Valid, nullable: false),
            redeemedAt.GetRelationalTypeMapping().CreateParameter(factory, "@now", now, nullable: false),
            redeemedAt.GetRelationalTypeMapping().CreateParameter(factory, "@reusableAfter", reusableAfter, nullable: false),
            _columns[_concurrencyToken].GetRelationalTypeMapping().CreateParameter(factory, "@stamp", Guid.NewGuid().ToString(), nullable: false),
            _columns[_key].GetRelationalTypeMapping().CreateParameter(factory, "@id", id, nullable: false),
            Column(nameof(Token.Type)).GetRelationalTypeMapping().CreateParameter(factory, "@type", TokenTypeIdentifiers.RefreshToken, nullable: false),
            _authorizationStatus.GetRelationalTypeMapping().CreateParameter(factory, "@chainValid", Statuses.Valid, nullable: false),
        ];
    }

    private IProperty Column(string name) => _columns.First(column => column.Name == name);

    /// <summary>Every column, as a bit set.</summary>
    public int All { get; }

    public string Insert { get; }

    public static TokenRowStatements For(DbContext context) =>
        s_byModel.GetValue(context.Model, model => new TokenRowStatements(model, context.GetService<ISqlGenerationHelper>()));

    /// <summary>The columns a tracked entry changed since it was read, and its concurrency token, which every update replaces.</summary>
    public int Modified(EntityEntry<Token> entry)
    {
        var columns = 1 << _concurrencyToken;
        for (var i = 0; i < _columns.Length; i++)
        {
            if (entry.Property(_columns[i]).IsModified)
            {
                columns |= 1 << i;
            }
        }

        return columns;
    }

    /// <summary>UPDATE of <paramref name="columns"/> (never the key), where the row still has the concurrency token that was read.</summary>
    public string Update(int columns) => _updates.GetOrAdd(columns & ~(1 << _key), set =>
    {
        var assignments = Enumerable.Range(0, _columns.Length).Where(i => (set & (1 << i)) != 0).Select(i => $"{_names[i]} = {Parameter(i)}");
        return $"UPDATE {_table} SET {string.Join(", ", assignments)} WHERE {_names[_key]} = {Parameter(_key)} AND {_names[_concurrencyToken]} = {Expected}";
    });

    /// <summary>A parameter per column of <paramref name="columns"/> and the key, typed and converted as EF Core would; with <paramref name="expected"/>, the concurrency check's too.</summary>
    public List<DbParameter> Parameters(DbContext context, Token token, DirectWriteTokenStore.References references, int columns, string? expected = null)
    {
        using var factory = context.Database.GetDbConnection().CreateCommand();
        var parameters = new List<DbParameter>(_columns.Length + 1);
        for (var i = 0; i < _columns.Length; i++)
        {
            if ((columns & (1 << i)) != 0 || i == _key)
            {
                var column = _columns[i];
                parameters.Add(column.GetRelationalTypeMapping().CreateParameter(factory, Parameter(i), s_values[column.Name](token, references), column.IsNullable));
            }
        }

        if (expected is not null)
        {
            parameters.Add(_columns[_concurrencyToken].GetRelationalTypeMapping().CreateParameter(factory, Expected, expected, nullable: false));
        }

        return parameters;
    }

    private static string Parameter(int index) => $"@p{index}";
}
