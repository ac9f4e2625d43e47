using AuthServer.Contracts.Admin;
using AuthServer.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.Admin;

/// <summary>
/// Where back-channel logout stands, per client and per notice: a relying party that never hears of ended sessions shows
/// here as abandoned notices and their last error (a status code or exception type, never a response body).
/// </summary>
public static class LogoutNoticeAdmin
{
    public const string Pending = "pending";
    public const string Abandoned = "abandoned";
    public const string Delivered = "delivered";

    public static RouteGroupBuilder MapLogoutNoticeAdmin(this RouteGroupBuilder admin)
    {
        admin.MapGet("/logout-notices", SummaryAsync);
        admin.MapGet("/logout-notices/{state}", ListAsync);
        return admin;
    }

    internal static async Task<Ok<IReadOnlyList<LogoutNoticeClientView>>> SummaryAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.BackchannelLogoutNotices.AsNoTracking()
            .GroupBy(n => n.ClientId)
            .Select(g => new
            {
                ClientId = g.Key,
                Pending = g.Count(n => n.DeliveredAt == null && n.AbandonedAt == null),
                Abandoned = g.Count(n => n.AbandonedAt != null),
                Delivered = g.Count(n => n.DeliveredAt != null),
                OldestPending = g.Where(n => n.DeliveredAt == null && n.AbandonedAt == null).Min(n => (DateTime?)n.CreatedAt),
                LastAbandoned = g.Max(n => n.AbandonedAt),
            })
            .ToListAsync(cancellationToken);

        // The last error of each client's newest failed notice: one small query per client with failures.
        var views = new List<LogoutNoticeClientView>(rows.Count);
        foreach (var row in rows.OrderBy(r => r.ClientId, StringComparer.Ordinal))
        {
            var lastError = row.Pending + row.Abandoned == 0 ? null : await db.BackchannelLogoutNotices.AsNoTracking()
                .Where(n => n.ClientId == row.ClientId && n.LastError != null && n.DeliveredAt == null)
                .OrderByDescending(n => n.CreatedAt).Select(n => n.LastError).FirstOrDefaultAsync(cancellationToken);
            views.Add(new LogoutNoticeClientView(row.ClientId, row.Pending, row.Abandoned, row.Delivered, row.OldestPending, row.LastAbandoned, lastError));
        }

        return TypedResults.Ok<IReadOnlyList<LogoutNoticeClientView>>(views);
    }

    private static async Task<Results<Ok<Page<LogoutNoticeView>>, ValidationProblem>> ListAsync(
        string state, string? clientId, int? page, int? pageSize, AuthDbContext db, IOptions<AdminOptions> options, CancellationToken cancellationToken)
    {
        if (Paging.Check(page, pageSize, options.Value) is { } invalid)
        {
            return invalid;
        }

        var all = db.BackchannelLogoutNotices.AsNoTracking();
        IQueryable<BackchannelLogoutNotice>? notices = state switch
        {
            Pending => all.Where(n => n.DeliveredAt == null && n.AbandonedAt == null),
            Abandoned => all.Where(n => n.AbandonedAt != null),
            Delivered => all.Where(n => n.DeliveredAt != null),
            _ => null,
        };
        if (notices is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = [$"state is {Pending}, {Abandoned} or {Delivered}."] });
        }

        if (clientId is { Length: > 0 })
        {
            notices = notices.Where(n => n.ClientId == clientId);
        }

        var (number, size, skip) = Paging.Resolve(page, pageSize, options.Value);
        var total = await notices.CountAsync(cancellationToken);
        var rows = await notices.OrderByDescending(n => n.CreatedAt).ThenBy(n => n.Id).Skip(skip).Take(size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<LogoutNoticeView>([.. rows.Select(n => new LogoutNoticeView(
            n.Id, n.ClientId, n.Uri, n.Subject, n.SessionId, state, n.CreatedAt, n.Attempts,
            n.DeliveredAt is null && n.AbandonedAt is null ? n.NextAttemptAt : null, n.LastError, n.DeliveredAt, n.AbandonedAt))], number, size, total));
    }
}
