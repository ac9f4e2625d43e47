using System.Net;
using System.Net.Sockets;
using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Account;

/// <summary>What happened to an account, as its user sees it on the account page (and operators in the console).</summary>
public sealed class AccountHistory(AuthDbContext db, TimeProvider clock)
{
    public static class Kinds
    {
        public const string SignedIn = "signed-in";
        public const string SignInFailed = "sign-in-failed";
        public const string PasskeyAdded = "passkey-added";
        public const string PasskeyRenamed = "passkey-renamed";
        public const string PasskeyRemoved = "passkey-removed";
        public const string PasswordChanged = "password-changed";
        public const string PasswordSet = "password-set";
        public const string SessionEnded = "session-ended";
        public const string OtherSessionsEnded = "other-sessions-ended";
        public const string EverythingEnded = "everything-ended";
        public const string ReplayDetected = "replay-detected";
    }

    public async Task RecordAsync(
        string userId, string kind, string? source, CancellationToken cancellationToken, string? method = null, string? clientId = null, string? detail = null)
    {
        var row = new AccountEvent
        {
            UserId = userId,
            OccurredAt = clock.GetUtcNow().UtcDateTime,
            Kind = kind,
            Method = method,
            Source = source is null ? null : Coarsen(source),
            ClientId = clientId is { Length: <= AccountEvent.ClientIdLength } ? clientId : null,
            Detail = detail is { Length: > AccountEvent.DetailLength } ? detail[..AccountEvent.DetailLength] : detail,
        };
        db.AccountEvents.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(row).State = EntityState.Detached;
    }

    /// <summary>
    /// The row for a revocation, written with the revocation itself (SharedSignals/SecurityEventLog): one session or chain
    /// ended, everything the user held, or a chain ended because one of its refresh tokens or codes was used twice.
    /// </summary>
    public static AccountEvent Revocation(string userId, string? sessionId, string reason, DateTime now) => new()
    {
        UserId = userId,
        OccurredAt = now,
        Kind = reason is "refresh-replay" or "code-replay" ? Kinds.ReplayDetected : sessionId is null ? Kinds.EverythingEnded : Kinds.SessionEnded,
        Detail = reason,
    };

    /// <summary>The user's newest events; only ever theirs (the caller passes the signed-in user's id, never one from the request).</summary>
    public Task<List<AccountEvent>> RecentAsync(string userId, int take, CancellationToken cancellationToken) =>
        db.AccountEvents.AsNoTracking().Where(e => e.UserId == userId)
            .OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id)
            .Take(take).ToListAsync(cancellationToken);

    /// <summary>
    /// The network, not the host: IPv4 /24, IPv6 /48. Enough for a user to tell "my home" from "somewhere else", and what
    /// this page keeps for months, so less than the throttle's exact source.
    /// </summary>
    public static string Coarsen(string source)
    {
        var slash = source.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? source : source[..slash], out var address))
        {
            return "unknown";
        }

        var bytes = address.GetAddressBytes();
        var (keep, suffix) = address.AddressFamily == AddressFamily.InterNetworkV6 ? (6, "/48") : (3, "/24");
        Array.Clear(bytes, keep, bytes.Length - keep);
        return new IPAddress(bytes) + suffix;
    }
}
