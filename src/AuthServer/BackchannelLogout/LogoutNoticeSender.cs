using AuthServer.Hosting;
using AuthServer.Observability;
using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.BackchannelLogout;

/// <summary>
/// Delivers queued back-channel logout notices (OIDC Back-Channel Logout 1.0 §2.5): POSTs `logout_token` to each
/// client, retries with exponential back-off, abandons after the last attempt, audits every outcome. Every instance may
/// run it: an attempt is claimed by an UPDATE that matches only the attempt count the sender read, so two instances
/// never send the same notice at once. The claim also moves the notice's due time forward (a lease), so a sender that
/// dies mid-attempt leaves the notice to be tried again, not lost.
/// </summary>
public sealed partial class LogoutNoticeSender(
    IServiceScopeFactory scopes,
    IHttpClientFactory http,
    LogoutTokens tokens,
    TimeProvider clock,
    IOptions<BackchannelLogoutOptions> options,
    IOptions<Clients.CatalogOptions> catalog,
    ILogger<LogoutNoticeSender> logger) : ScheduledService(clock)
{
    public const string HttpClientName = "backchannel-logout";

    /// <summary>None when no client of this instance's catalog takes notices: none are queued, so polling would only load the database.</summary>
    protected override TimeSpan? Interval =>
        options.Value.Enabled && catalog.Value.Clients.Values.Any(client => client.BackchannelLogoutUri is not null) ? options.Value.PollInterval : null;

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => SendDueAsync(cancellationToken);

    protected override void RunFailed(Exception exception) => LogPollFailed(logger, exception.GetType().Name, exception);

    /// <summary>One poll: the due notices, a few POSTs in flight at once.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = Clock.GetUtcNow().UtcDateTime;
        List<BackchannelLogoutNotice> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            due = await scope.ServiceProvider.GetRequiredService<AuthDbContext>().BackchannelLogoutNotices.AsNoTracking()
                .Where(n => n.DeliveredAt == null && n.AbandonedAt == null && n.NextAttemptAt <= now)
                .OrderBy(n => n.NextAttemptAt).Take(settings.BatchSize)
                .ToListAsync(cancellationToken);
        }

        await Parallel.ForEachAsync(
            due,
            new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken },
            async (notice, token) => await AttemptAsync(notice, token));
        return due.Count;
    }

    /// <summary>The wait after a failed attempt: the initial delay, doubled for each failure before it.</summary>
    public static TimeSpan DelayAfter(int attempt, BackchannelLogoutOptions settings) =>
        TimeSpan.FromTicks(settings.InitialDelay.Ticks << Math.Min(attempt - 1, 30));

    private async Task AttemptAsync(BackchannelLogoutNotice notice, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var now = Clock.GetUtcNow().UtcDateTime;
        var pending = db.BackchannelLogoutNotices.Where(n => n.Id == notice.Id && n.DeliveredAt == null && n.AbandonedAt == null);

        if (notice.Attempts >= settings.MaxAttempts)
        {
            // Its last attempt was claimed by a sender that never reported back (crash, shutdown): nothing is left to try.
            if (await pending.Where(n => n.Attempts == notice.Attempts)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.AbandonedAt, now), cancellationToken) == 1)
            {
                Audit.BackchannelLogoutAbandoned(logger, notice.Id, notice.ClientId, notice.Subject, notice.SessionId, notice.Attempts, notice.LastError ?? "interrupted");
            }

            return;
        }

        var attempt = notice.Attempts + 1;
        var lease = now + settings.Timeout * 2;
        if (await pending.Where(n => n.Attempts == notice.Attempts && n.NextAttemptAt <= now)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.Attempts, attempt).SetProperty(n => n.NextAttemptAt, lease), cancellationToken) == 0)
        {
            return;
        }

        var error = await PostAsync(notice, cancellationToken);
        var after = Clock.GetUtcNow().UtcDateTime;
        var claimed = pending.Where(n => n.Attempts == attempt);
        if (error is null)
        {
            await claimed.ExecuteUpdateAsync(s => s.SetProperty(n => n.DeliveredAt, after).SetProperty(n => n.LastError, (string?)null), CancellationToken.None);
            Audit.BackchannelLogoutDelivered(logger, notice.Id, notice.ClientId, notice.Subject, notice.SessionId, attempt);
        }
        else if (attempt >= settings.MaxAttempts)
        {
            await claimed.ExecuteUpdateAsync(s => s.SetProperty(n => n.AbandonedAt, after).SetProperty(n => n.LastError, error), CancellationToken.None);
            Audit.BackchannelLogoutAbandoned(logger, notice.Id, notice.ClientId, notice.Subject, notice.SessionId, attempt, error);
        }
        else
        {
            var next = after + DelayAfter(attempt, settings);
            await claimed.ExecuteUpdateAsync(s => s.SetProperty(n => n.NextAttemptAt, next).SetProperty(n => n.LastError, error), CancellationToken.None);
            Audit.BackchannelLogoutFailed(logger, notice.Id, notice.ClientId, notice.Subject, notice.SessionId, attempt, error, next);
        }
    }

    /// <summary>Null when delivered; otherwise why not, in a few words (never the response body, which the client controls).</summary>
    private async Task<string?> PostAsync(BackchannelLogoutNotice notice, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent([new("logout_token", tokens.Create(notice))]);
        try
        {
            // §2.8: the client answers 200 (or another 2xx) once it has logged the session out.
            using var response = await http.CreateClient(HttpClientName).PostAsync(new Uri(notice.Uri), content, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException ex)
        {
            return $"{ex.HttpRequestError}";
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "Timeout";
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Back-channel logout poll failed ({ExceptionType}); retrying at the next interval")]
    private static partial void LogPollFailed(ILogger logger, string exceptionType, Exception exception);
}
