using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.BackchannelLogout;

/// <summary>A browser session that this unit of work ended: the `sid` and `sub` its logout tokens will carry.</summary>
public sealed record EndedSession(string SessionId, string Subject);

/// <summary>
/// Queues one back-channel logout notice per (ended session, client that took part in it with a registered URI), in
/// the caller's unit of work: the request only writes rows, the network is the sender's business (Back-Channel
/// Logout 1.0 §2.5 lets the OP send asynchronously, and a hanging client must not hold a user's logout).
/// </summary>
public static class LogoutNotices
{
    public static async Task<int> EnqueueAsync(AuthDbContext db, IReadOnlyCollection<EndedSession> ended, DateTime now, CancellationToken cancellationToken)
    {
        if (ended.Count == 0)
        {
            return 0;
        }

        var sessionIds = ended.Select(e => e.SessionId).ToList();
        var participants = await db.BrowserSessionGrants.Where(g => sessionIds.Contains(g.SessionId))
            .Select(g => new { g.SessionId, g.ClientId }).Distinct().ToListAsync(cancellationToken);
        if (participants.Count == 0)
        {
            return 0;
        }

        var clientIds = participants.Select(p => p.ClientId).Distinct(StringComparer.Ordinal).ToList();
        var applications = await db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking()
            .Where(a => clientIds.Contains(a.ClientId!))
            .Select(a => new { a.ClientId, a.Properties }).ToListAsync(cancellationToken);
        var uris = applications
            .Select(a => (ClientId: a.ClientId!, Registration: BackchannelRegistration.Read(a.Properties)))
            .Where(a => a.Registration is not null)
            .ToDictionary(a => a.ClientId, a => a.Registration!.Uri.AbsoluteUri, StringComparer.Ordinal);
        var subjects = ended.ToDictionary(e => e.SessionId, e => e.Subject, StringComparer.Ordinal);

        List<BackchannelLogoutNotice> notices = [.. participants
            .Where(p => uris.ContainsKey(p.ClientId))
            .Select(p => new BackchannelLogoutNotice
            {
                Id = Guid.CreateVersion7(),
                ClientId = p.ClientId,
                Uri = uris[p.ClientId],
                Subject = subjects[p.SessionId],
                SessionId = p.SessionId,
                CreatedAt = now,
                NextAttemptAt = now,
            })];
        if (notices.Count == 0)
        {
            return 0;
        }

        db.BackchannelLogoutNotices.AddRange(notices);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            // Saved or not, the rows leave the (pooled, shared) context: a retried unit of work adds them afresh.
            foreach (var notice in notices)
            {
                db.Entry(notice).State = EntityState.Detached;
            }
        }

        return notices.Count;
    }
}
