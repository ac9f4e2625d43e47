using System.Security.Cryptography;
using AuthServer.Account;
using AuthServer.Persistence;
using AuthServer.Tokens;
using Microsoft.Extensions.Options;

namespace AuthServer.SharedSignals;

/// <summary>
/// Writes the feed's events, and the user's account history of what ended, in the caller's unit of work (the
/// revocation's), so an event exists exactly when its revocation committed. Receivers refuse, until the event expires, every access token it covers.
/// </summary>
public sealed partial class SecurityEventLog(AuthDbContext db, TimeProvider clock, IOptions<TokenServerOptions> tokens, IOptions<SharedSignalsOptions> options, ILogger<SecurityEventLog> logger)
{
    /// <summary>
    /// Every session of the user ends (operator, lock, password, deletion). <paramref name="revokedSessions"/> are the
    /// authorizations revoked; tokens of sessions begun later carry other ids and stay valid at the receivers.
    /// </summary>
    public Task UserRevokedAsync(string userId, string reason, IReadOnlyCollection<string>? revokedSessions, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var sessions = revokedSessions is not null && revokedSessions.Count <= settings.MaxSessionsPerEvent ? string.Join(' ', revokedSessions) : null;
        return WriteAsync(userId, sessionId: null, sessions, reason, cancellationToken);
    }

    /// <summary>One session ends: a browser session (`sid`) or one grant chain (the authorization id, `oi_au_id`).</summary>
    public Task SessionRevokedAsync(string userId, string sessionId, string reason, CancellationToken cancellationToken) =>
        WriteAsync(userId, sessionId, revokedSessions: null, reason, cancellationToken);

    /// <summary>Everything issued to a client ends (its users' chains, and its client-credentials tokens, which have no rows).</summary>
    public Task ClientRevokedAsync(string clientId, string reason, CancellationToken cancellationToken) =>
        WriteAsync(userId: "", sessionId: null, revokedSessions: null, reason, cancellationToken, clientId);

    private async Task WriteAsync(string userId, string? sessionId, string? revokedSessions, string reason, CancellationToken cancellationToken, string? clientId = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;

        // The user's account page lists what ended and why, whether or not the feed is on; same unit of work.
        List<object> rows = userId.Length > 0 ? [AccountHistory.Revocation(userId, sessionId, reason, now)] : [];
        var txn = NewId();
        if (options.Value.Enabled)
        {
            var expires = now + tokens.Value.AccessTokenLifetime + options.Value.EventLifetimeMargin;
            rows.Add(new SecurityEvent
            {
                Jti = NewId(),
                Txn = txn,
                Type = CaepEvents.SessionRevoked,
                Subject = userId,
                ClientId = clientId,
                SessionId = sessionId,
                RevokedSessions = revokedSessions,
                Reason = reason,
                InitiatingEntity = CaepEvents.InitiatingEntity(reason),
                OccurredAt = now,
                ExpiresAt = expires,
            });

            // CAEP 1.0 §3.3: a password change is also a credential change; SSF 1.0 §4.1.9: the same txn ties the two SETs.
            if (CaepEvents.PasswordChangeType(reason) is not null)
            {
                rows.Add(new SecurityEvent
                {
                    Jti = NewId(),
                    Txn = txn,
                    Type = CaepEvents.CredentialChange,
                    Subject = userId,
                    Reason = reason,
                    InitiatingEntity = CaepEvents.InitiatingEntity(reason),
                    OccurredAt = now,
                    ExpiresAt = expires,
                });
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        db.AddRange(rows);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            // Saved or not, the rows leave the (pooled, shared) context: a retried unit of work adds them afresh.
            foreach (var written in rows)
            {
                db.Entry(written).State = Microsoft.EntityFrameworkCore.EntityState.Detached;
            }
        }

        if (options.Value.Enabled)
        {
            LogEventWritten(logger, CaepEvents.SessionRevoked, reason, clientId is null ? userId : $"client {clientId}", sessionId ?? "all", txn);
        }
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecurityEvent.JtiLength / 2));

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Security event {EventType} ({Reason}) queued for the revocation feed: subject {Subject}, session {SessionId}, txn {Txn}")]
    private static partial void LogEventWritten(ILogger logger, string eventType, string reason, string subject, string sessionId, string txn);
}
