using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuthServer.ResourceServer;

/// <summary>
/// What the revocation feed has revoked, in memory, checked on every request (before any validated-token cache hit).
/// Sessions are keyed by the ids an access token carries (`sid` for a browser session, `oi_au_id` for a grant chain), so
/// a token of a session begun after the revocation is accepted at once. A revocation of every session of a user lists the
/// chains it revoked; only tokens without a chain id (or all of them, when the list was too long to send) fall back to
/// `iat`, which has one-second resolution: such a token minted in the second of the revocation is refused too.
/// Bounded: entries leave when every token they could refuse has expired, and the soonest-expiring go first when full.
/// </summary>
public sealed class RevocationList(TimeProvider clock)
{
    /// <summary>The access token claim naming its grant chain (OpenIddict's authorization id).</summary>
    public const string AuthorizationIdClaim = "oi_au_id";

    /// <summary>OIDC Back-Channel Logout 1.0 §2.4: the browser session id.</summary>
    public const string SessionIdClaim = "sid";

    /// <summary>RFC 9068 §2.2: the client the token was issued to.</summary>
    public const string ClientIdClaim = "client_id";

    private readonly ConcurrentDictionary<string, long> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SubjectEntry> _subjects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SubjectEntry> _clients = new(StringComparer.Ordinal);
    private Func<bool> _refuseAll = static () => false;

    private int _overflowed;

    public int Count => _sessions.Count + _subjects.Count + _clients.Count;

    /// <summary>True once after entries that could still refuse tokens had to be dropped to stay within capacity.</summary>
    public bool TakeOverflow() => Interlocked.Exchange(ref _overflowed, 0) == 1;

    /// <summary>Set by the feed when configured to fail closed: true while it cannot vouch for the list.</summary>
    internal void RefuseAllWhen(Func<bool> condition) => _refuseAll = condition;

    public bool IsRevoked(JsonWebToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return IsRevoked(
            token.TryGetPayloadValue<string>("sub", out var subject) ? subject : null,
            token.TryGetPayloadValue<string>(SessionIdClaim, out var sid) ? sid : null,
            token.TryGetPayloadValue<string>(AuthorizationIdClaim, out var chain) ? chain : null,
            token.TryGetPayloadValue<long>("iat", out var iat) ? iat : null,
            token.TryGetPayloadValue<string>(ClientIdClaim, out var client) ? client : null);
    }

    /// <summary>For handlers that hand over a principal instead of the token (OpenIddict.Validation).</summary>
    public bool IsRevoked(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var iat = principal.FindFirst("iat")?.Value;
        return IsRevoked(
            principal.FindFirst("sub")?.Value,
            principal.FindFirst(SessionIdClaim)?.Value,
            principal.FindFirst(AuthorizationIdClaim)?.Value,
            long.TryParse(iat, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : null,
            principal.FindFirst(ClientIdClaim)?.Value);
    }

    public bool IsRevoked(string? subject, string? sessionId, string? authorizationId, long? issuedAt, string? clientId = null)
    {
        if (_refuseAll())
        {
            return true;
        }

        if (Count == 0)
        {
            return false;
        }

        var now = Now();
        if ((sessionId is not null && _sessions.TryGetValue(sessionId, out var until) && until > now)
            || (authorizationId is not null && _sessions.TryGetValue(authorizationId, out until) && until > now))
        {
            return true;
        }

        // A token without iat cannot show it was issued after the revocation.
        var iat = issuedAt ?? long.MinValue;
        return (subject is not null && _subjects.TryGetValue(subject, out var entry) && entry.RetainUntil > now
                && (iat <= entry.AllBefore || (authorizationId is null && iat <= entry.UnchainedBefore)))
            || (clientId is not null && _clients.TryGetValue(clientId, out var client) && client.RetainUntil > now && iat <= client.AllBefore);
    }

    /// <summary>Every token issued to a client up to <paramref name="revokedAt"/> (seconds), whoever it was issued for.</summary>
    public void RevokeClient(string clientId, long revokedAt, long retainUntil, int capacity)
    {
        MakeRoom(capacity);
        var fresh = new SubjectEntry(revokedAt, revokedAt, retainUntil);
        _clients.AddOrUpdate(clientId, fresh, (_, current) => new SubjectEntry(
            Math.Max(current.AllBefore, revokedAt), Math.Max(current.UnchainedBefore, revokedAt), Math.Max(current.RetainUntil, retainUntil)));
    }

    /// <summary>One session (browser session or grant chain): every token carrying its id is refused until <paramref name="retainUntil"/>.</summary>
    public void RevokeSession(string sessionId, long retainUntil, int capacity)
    {
        MakeRoom(capacity);
        _sessions.AddOrUpdate(sessionId, retainUntil, (_, current) => Math.Max(current, retainUntil));
    }

    /// <summary>
    /// Every session of a user at <paramref name="revokedAt"/> (seconds). With <paramref name="listedSessions"/> the chains
    /// are known, so only tokens without a chain id are judged by `iat`; without it every token of the user issued up to
    /// that second is refused.
    /// </summary>
    public void RevokeUser(string subject, long revokedAt, IReadOnlyCollection<string>? listedSessions, long retainUntil, int capacity)
    {
        foreach (var session in listedSessions ?? [])
        {
            RevokeSession(session, retainUntil, capacity);
        }

        MakeRoom(capacity);
        var fresh = new SubjectEntry(listedSessions is null ? revokedAt : long.MinValue, revokedAt, retainUntil);
        _subjects.AddOrUpdate(subject, fresh, (_, current) => new SubjectEntry(
            Math.Max(current.AllBefore, fresh.AllBefore), Math.Max(current.UnchainedBefore, fresh.UnchainedBefore), Math.Max(current.RetainUntil, fresh.RetainUntil)));
    }

    /// <summary>Drops entries whose tokens have all expired; returns how many went.</summary>
    public int Prune()
    {
        var now = Now();
        var removed = 0;
        foreach (var (key, until) in _sessions)
        {
            if (until <= now && _sessions.TryRemove(key, out _))
            {
                removed++;
            }
        }

        foreach (var entries in new[] { _subjects, _clients })
        {
            foreach (var (key, entry) in entries)
            {
                if (entry.RetainUntil <= now && entries.TryRemove(key, out _))
                {
                    removed++;
                }
            }
        }

        return removed;
    }

    private void MakeRoom(int capacity)
    {
        if (Count < capacity || Prune() > 0 && Count < capacity)
        {
            return;
        }

        // Still full of live entries: drop the tenth closest to expiry, whose tokens have the least time left anyway.
        Interlocked.Exchange(ref _overflowed, 1);
        var victims = _sessions.Select(pair => (Key: pair.Key, Until: pair.Value, Kind: 0))
            .Concat(_subjects.Select(pair => (Key: pair.Key, Until: pair.Value.RetainUntil, Kind: 1)))
            .Concat(_clients.Select(pair => (Key: pair.Key, Until: pair.Value.RetainUntil, Kind: 2)))
            .OrderBy(entry => entry.Until).Take(Math.Max(1, capacity / 10)).ToList();
        foreach (var victim in victims)
        {
            _ = victim.Kind switch
            {
                0 => _sessions.TryRemove(victim.Key, out _),
                1 => _subjects.TryRemove(victim.Key, out _),
                _ => _clients.TryRemove(victim.Key, out _),
            };
        }
    }

    private long Now() => clock.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Tokens of the subject with `iat` at or before <see cref="AllBefore"/> are refused; those without a chain id up to <see cref="UnchainedBefore"/>.</summary>
    private sealed record SubjectEntry(long AllBefore, long UnchainedBefore, long RetainUntil);
}
