using AuthServer.Account;
using AuthServer.Admin;
using AuthServer.Contracts.Admin;
using AuthServer.Keys;
using AuthServer.Observability;
using AuthServer.Persistence;
using AuthServer.Revocation;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.OperatorsConsole;

public sealed record UserRow(string Id, string? UserName, string? Email, bool Locked);

public sealed record UserDetail(IdentityUser User, bool Locked, IReadOnlyList<string> Roles, AccountModel Holdings);

public sealed record ClientRow(string ClientId, string? DisplayName, bool Confidential, IReadOnlyList<string> GrantTypes, IReadOnlyList<string> Scopes);

public sealed record ReceiverRow(string StreamId, string ClientId, string? Description, DateTime CreatedAt, DateTime LastPolledAt, bool Stale);

public sealed record Health(
    bool DatabaseReady, IReadOnlyList<ReceiverRow> Receivers, IReadOnlyList<LogoutNoticeClientView> LogoutNotices,
    (DateTimeOffset At, PruneCounts Counts)? LastPrune, IReadOnlyDictionary<RecentActivity.Series, long[]> LastHour);

public sealed record EventsModel(
    string? Kind, string? User, IReadOnlyList<AccountEvent> AccountEvents, IReadOnlyList<SecurityEvent> FeedEvents, IReadOnlyList<ReceiverRow> Receivers);

/// <summary>What the console shows: reads only, each the admin API's own query where it has one.</summary>
public sealed class ConsoleReads(
    AuthDbContext db,
    UserManager<IdentityUser> users,
    ILookupNormalizer normalizer,
    AccountService account,
    IOpenIddictApplicationManager applications,
    HealthCheckService health,
    PruningStatus pruning,
    RecentActivity recent,
    KeyRingSource keySource,
    ManagedKeys managedKeys,
    TimeProvider clock)
{
    public const int PageSize = 25;

    /// <summary>A receiver that has not polled for this long is shown as stale (its API keeps stale revocations, or fails closed).</summary>
    private static readonly TimeSpan s_staleAfter = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The console's user search, one page: by e-mail when the query holds '@', otherwise by user name, and by e-mail when
    /// no user name starts so. Each is one ordered range on one unique index that stops after the page, so the cost
    /// does not grow with the number of matches (docs/benchmarks.md: a million users). The query is normalized as
    /// Identity normalizes what it stores.
    /// </summary>
    public static async Task<(List<UserRow> Rows, bool More)> FindUsersAsync(
        AuthDbContext db, ILookupNormalizer normalizer, string? query, int page, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var text = query?.Trim() ?? "";
        var byEmail = text.Contains('@', StringComparison.Ordinal);
        var rows = await PageQuery(db, Normalize(normalizer, text, byEmail), byEmail, page, now).ToListAsync(cancellationToken);
        if (rows.Count == 0 && !byEmail && text.Length > 0)
        {
            rows = await PageQuery(db, Normalize(normalizer, text, byEmail: true), byEmail: true, page, now).ToListAsync(cancellationToken);
        }

        return (rows.Take(PageSize).ToList(), rows.Count > PageSize);
    }

    /// <summary>One page of users whose normalized name (or e-mail) starts with <paramref name="normalizedPrefix"/>, in that column's order.</summary>
    public static IQueryable<UserRow> PageQuery(AuthDbContext db, string normalizedPrefix, bool byEmail, int page, DateTimeOffset now)
    {
        var users = db.Users.AsNoTracking();
        if (normalizedPrefix.Length > 0)
        {
            // SQLite seeks an index for a range, not for LIKE (its LIKE ignores case, the index does not); SQL Server seeks for both.
            var end = normalizedPrefix[..^1] + (char)(normalizedPrefix[^1] + 1);
            users = (db.Database.IsSqlite(), byEmail) switch
            {
                (true, false) => users.Where(u => string.Compare(u.NormalizedUserName, normalizedPrefix) >= 0 && string.Compare(u.NormalizedUserName, end) < 0),
                (true, true) => users.Where(u => string.Compare(u.NormalizedEmail, normalizedPrefix) >= 0 && string.Compare(u.NormalizedEmail, end) < 0),
                (false, false) => users.Where(u => u.NormalizedUserName!.StartsWith(normalizedPrefix)),
                (false, true) => users.Where(u => u.NormalizedEmail!.StartsWith(normalizedPrefix)),
            };
        }

        var ordered = byEmail ? users.OrderBy(u => u.NormalizedEmail) : users.OrderBy(u => u.NormalizedUserName);
        return ordered.Skip((page - 1) * PageSize).Take(PageSize + 1)
            .Select(u => new UserRow(u.Id, u.UserName, u.Email, u.LockoutEnd != null && u.LockoutEnd > now));
    }

    public Task<(List<UserRow> Rows, bool More)> UsersAsync(string? query, int page, CancellationToken cancellationToken) =>
        FindUsersAsync(db, normalizer, query, page, clock.GetUtcNow(), cancellationToken);

    private static string Normalize(ILookupNormalizer normalizer, string text, bool byEmail) =>
        text.Length == 0 ? "" : (byEmail ? normalizer.NormalizeEmail(text) : normalizer.NormalizeName(text)) ?? "";

    /// <summary>One user as the console shows them: what they hold is read by the account page's own query.</summary>
    public async Task<UserDetail?> UserAsync(string id, HttpContext context)
    {
        if (await UserAdmin.FindAsync(users, id) is not { } user)
        {
            return null;
        }

        var holdings = await account.ReadAsync(new SignedInUser(user, SessionId: "", Confirmed: false), context, notice: null, error: null);
        return new UserDetail(user, await users.IsLockedOutAsync(user), [.. await users.GetRolesAsync(user)], holdings);
    }

    public async Task<IReadOnlyList<ClientRow>> ClientsAsync(CancellationToken cancellationToken)
    {
        List<ClientRow> rows = [];
        await foreach (var application in applications.ListAsync(count: 500, offset: null, cancellationToken))
        {
            var permissions = await applications.GetPermissionsAsync(application, cancellationToken);
            rows.Add(new ClientRow(
                await applications.GetClientIdAsync(application, cancellationToken) ?? "?",
                await applications.GetDisplayNameAsync(application, cancellationToken),
                await applications.HasClientTypeAsync(application, ClientTypes.Confidential, cancellationToken),
                [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.GrantType, StringComparison.Ordinal)).Select(p => p[Permissions.Prefixes.GrantType.Length..])],
                [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal)).Select(p => p[Permissions.Prefixes.Scope.Length..])]));
        }

        return [.. rows.OrderBy(r => r.ClientId, StringComparer.Ordinal)];
    }

    public Task<KeyList> KeysAsync(CancellationToken cancellationToken) => KeyAdmin.ListAsync(keySource, managedKeys, cancellationToken);

    public async Task<Health> HealthAsync(CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        return new Health(
            report.Status == HealthStatus.Healthy,
            await ReceiversAsync(cancellationToken),
            (await LogoutNoticeAdmin.SummaryAsync(db, cancellationToken)).Value!,
            pruning.Last,
            Enum.GetValues<RecentActivity.Series>().ToDictionary(s => s, recent.LastHour));
    }

    /// <summary>The newest account events (of one kind, of one user) and the live events of the revocation feed.</summary>
    public async Task<EventsModel> EventsAsync(string? kind, string? user, CancellationToken cancellationToken)
    {
        var query = db.AccountEvents.AsNoTracking();
        if (kind is { Length: > 0 })
        {
            query = query.Where(e => e.Kind == kind);
        }

        if (user is { Length: > 0 })
        {
            var found = await UserAdmin.FindAsync(users, user);
            var id = found?.Id ?? "";
            query = query.Where(e => e.UserId == id);
        }

        var events = await query.OrderByDescending(e => e.Id).Take(100).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var feed = await db.SecurityEvents.AsNoTracking().Where(e => e.ExpiresAt > now).OrderByDescending(e => e.Id).Take(50).ToListAsync(cancellationToken);
        return new EventsModel(kind, user, events, feed, await ReceiversAsync(cancellationToken));
    }

    /// <summary>The names of the users with these ids, for display (one query).</summary>
    public Task<Dictionary<string, string>> UserNamesAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var distinct = ids.Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return db.Users.AsNoTracking().Where(u => distinct.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName ?? u.Id, cancellationToken);
    }

    private async Task<IReadOnlyList<ReceiverRow>> ReceiversAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var streams = await db.SecurityEventStreams.AsNoTracking().OrderBy(s => s.ClientId).Take(200).ToListAsync(cancellationToken);
        return [.. streams.Select(s => new ReceiverRow(s.Id, s.ClientId, s.Description, s.CreatedAt, s.LastPolledAt, now - s.LastPolledAt > s_staleAfter))];
    }
}
