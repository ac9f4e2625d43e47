using System.Diagnostics;
using System.Globalization;
using AuthServer.Bff.Sessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AuthServer.Bff.Tokens;

public enum AccessTokenOutcome
{
    Token,
    SessionEnded,
    AuthorityUnavailable,
}

public readonly record struct AccessTokenResult(AccessTokenOutcome Outcome, string? Token);

/// <summary>
/// The access token of a session, refreshed before it expires, and exactly once per session however many requests
/// and instances need it at the same moment: refresh tokens rotate (RFC 9700 §4.14.2), so a second redemption of the
/// same token would look like theft to the server and revoke the whole chain. In this process one stripe lock queues
/// a session's requests; across instances the row's lease (a compare-and-swap on its version) admits one refresher,
/// and the others wait for its result in the row.
/// </summary>
public sealed class AccessTokens(ISessionStore store, SessionTickets tickets, AuthorityClient authority, IOptions<AuthServerBffOptions> options,
    TimeProvider clock, ILogger<AccessTokens> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>The token for the session <paramref name="current"/> was read from (the cookie handler's ticket).</summary>
    public async Task<AccessTokenResult> GetAsync(AuthenticationTicket current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (!current.Properties.Items.TryGetValue(SessionTickets.KeyItem, out var key) || key is null || IsEnding(current.Properties))
        {
            return new(AccessTokenOutcome.SessionEnded, null);
        }

        if (FreshToken(current.Properties) is { } token)
        {
            return new(AccessTokenOutcome.Token, token);
        }

        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            return await RefreshOnceAsync(key, cancellationToken);
        }
        finally
        {
            stripe.Release();
        }
    }

    public static bool IsEnding(AuthenticationProperties properties) =>
        properties.Items.ContainsKey(SessionTickets.EndingItem);

    private async Task<AccessTokenResult> RefreshOnceAsync(string key, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var row = await store.FindAsync(key, cancellationToken);
            var now = clock.GetUtcNow();
            if (row is null || row.ExpiresAt <= now.ToUnixTimeMilliseconds()
                || tickets.Unprotect(key, row.Ticket) is not { } ticket || IsEnding(ticket.Properties))
            {
                return new(AccessTokenOutcome.SessionEnded, null);
            }

            if (FreshToken(ticket.Properties) is { } token)
            {
                return new(AccessTokenOutcome.Token, token);
            }

            if (row.RefreshLeaseUntil is null || row.RefreshLeaseUntil < now.ToUnixTimeMilliseconds())
            {
                if (await store.TryClaimRefreshAsync(key, row.Version, now.ToUnixTimeMilliseconds(), (now + settings.RefreshLease).ToUnixTimeMilliseconds(), cancellationToken)
                    && await RefreshAsync(key, row.Version + 1, row.Subject, ticket) is { } result)
                {
                    return result;
                }
            }
            else
            {
                BffLog.WaitingForRefresh(logger);
            }

            // Another instance holds the lease (or finished first): its result lands in the row; a crashed holder's lease runs out.
            if (Stopwatch.GetElapsedTime(started) > settings.RefreshLease + settings.BackchannelTimeout)
            {
                return new(AccessTokenOutcome.AuthorityUnavailable, null);
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Null when the row moved on under us (another holder after a lost lease): the caller reads it again.</summary>
    private async Task<AccessTokenResult?> RefreshAsync(string key, long claimedVersion, string subject, AuthenticationTicket ticket)
    {
        // Past this point nothing is cancelled: a rotated refresh token the server sent must reach the row.
        if (ticket.Properties.GetTokenValue("refresh_token") is not { } refreshToken)
        {
            await store.RemoveAsync(key, CancellationToken.None);
            return new(AccessTokenOutcome.SessionEnded, null);
        }

        var answer = await authority.RefreshAsync(refreshToken);
        if (answer.Error is { } error)
        {
            await store.RemoveAsync(key, CancellationToken.None);
            BffLog.RefreshRefused(logger, error, subject);
            return new(AccessTokenOutcome.SessionEnded, null);
        }

        if (answer.AccessToken is not { } accessToken)
        {
            await store.ReleaseRefreshAsync(key, claimedVersion, CancellationToken.None);
            BffLog.AuthorityUnavailable(logger, "refresh", answer.Unavailable ?? "no answer");
            return new(AccessTokenOutcome.AuthorityUnavailable, null);
        }

        var tokens = ticket.Properties.GetTokens().ToDictionary(t => t.Name, t => t.Value, StringComparer.Ordinal);
        tokens["access_token"] = accessToken;
        if (answer.RefreshToken is { } rotated)
        {
            tokens["refresh_token"] = rotated;
        }

        tokens["expires_at"] = (clock.GetUtcNow() + answer.ExpiresIn).ToString("o", CultureInfo.InvariantCulture);
        ticket.Properties.StoreTokens(tokens.Select(t => new AuthenticationToken { Name = t.Key, Value = t.Value }));
        if (!await store.TryCompleteRefreshAsync(key, claimedVersion, tickets.Protect(key, ticket), CancellationToken.None))
        {
            return await store.FindAsync(key, CancellationToken.None) is null ? new(AccessTokenOutcome.SessionEnded, null) : null;
        }

        BffLog.Refreshed(logger, subject);
        return new(AccessTokenOutcome.Token, accessToken);
    }

    private string? FreshToken(AuthenticationProperties properties)
    {
        var token = properties.GetTokenValue("access_token");
        var expiresAt = properties.GetTokenValue("expires_at");
        return token is not null && DateTimeOffset.TryParse(expiresAt, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expires)
            && expires - options.Value.RefreshBeforeExpiry > clock.GetUtcNow()
            ? token
            : null;
    }
}
