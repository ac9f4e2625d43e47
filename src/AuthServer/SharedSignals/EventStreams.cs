using System.Diagnostics;
using System.Security.Cryptography;
using AuthServer.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.SharedSignals;

/// <summary>
/// A receiver's streams (SSF 1.0 §8.1.1) and their polls (RFC 8936 §2.4), in the database. The caller has already
/// authenticated the receiver: every method is given its client id, and another client's stream is never found.
/// </summary>
internal sealed partial class EventStreams(AuthDbContext db, TimeProvider clock, SecurityEventTokens sets, LongPollSlots slots,
    IOptions<SharedSignalsOptions> options, ILogger<EventStreamRegistration> logger)
{
    private SharedSignalsOptions Settings => options.Value;

    /// <summary>A new stream with every live event waiting in it; null when the client holds its maximum of live streams.</summary>
    public async Task<EventStreamRegistration?> CreateAsync(string clientId, string? description, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var stream = new EventStreamRegistration
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(EventStreamRegistration.IdLength / 2)),
            ClientId = clientId,
            Description = description,
            CreatedAt = now,
            LastPolledAt = now,
        };

        var owned = db.SecurityEventStreams.Where(s => s.ClientId == clientId);
        var surplus = await owned.CountAsync(cancellationToken) - Settings.MaxStreamsPerClient + 1;
        if (surplus > 0)
        {
            // Only idle streams make room: a live API instance's stream is never dropped for a new one.
            var idleBefore = now - Settings.LiveStreamWindow;
            var oldest = owned.Where(s => s.LastPolledAt < idleBefore).OrderBy(s => s.LastPolledAt).Take(surplus).Select(s => s.Id);
            if (await db.SecurityEventStreams.Where(s => oldest.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken) < surplus)
            {
                return null;
            }
        }

        db.SecurityEventStreams.Add(stream);
        await db.SaveChangesAsync(cancellationToken);
        LogStreamCreated(logger, stream.Id, clientId);
        return stream;
    }

    /// <summary>The client's stream with this id, or null.</summary>
    public Task<EventStreamRegistration?> FindAsync(string clientId, string streamId, CancellationToken cancellationToken) =>
        db.SecurityEventStreams.AsNoTracking().FirstOrDefaultAsync(s => s.Id == streamId && s.ClientId == clientId, cancellationToken);

    /// <summary>The client's streams, oldest first.</summary>
    public Task<List<EventStreamRegistration>> ListAsync(string clientId, CancellationToken cancellationToken) =>
        db.SecurityEventStreams.AsNoTracking().Where(s => s.ClientId == clientId).OrderBy(s => s.CreatedAt).Take(Settings.MaxStreamsPerClient).ToListAsync(cancellationToken);

    /// <summary>Drops the stream and its acknowledgements; false when the client has no stream with this id.</summary>
    public async Task<bool> DeleteAsync(string clientId, string streamId, CancellationToken cancellationToken)
    {
        if (await db.SecurityEventStreams.Where(s => s.Id == streamId && s.ClientId == clientId).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return false;
        }

        LogStreamDeleted(logger, streamId, clientId);
        return true;
    }

    /// <summary>
    /// Acknowledgements and errors first (never served to this stream again), then up to `maxEvents` live events not yet
    /// acknowledged, oldest first, held open up to <see cref="SharedSignalsOptions.LongPollWait"/> unless `returnImmediately`.
    /// </summary>
    public async Task<Dictionary<string, object>> PollAsync(EventStreamRegistration stream, PollRequest request, string issuer, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await AcknowledgeAsync(stream, request, now, cancellationToken);
        if (PollSelection.TouchDue(stream.LastPolledAt, now))
        {
            await db.SecurityEventStreams.Where(s => s.Id == stream.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.LastPolledAt, now), cancellationToken);
        }

        var take = PollSelection.EventsToTake(request, Settings);
        var due = take == 0 ? [] : await DueAsync(stream, take, request.ReturnImmediately ? TimeSpan.Zero : Settings.LongPollWait, cancellationToken);
        return PollSelection.Answer(due, take, e => sets.Create(e, issuer, stream.ClientId));
    }

    /// <summary>
    /// The wait is the request's, in wall time; which events are live is the domain clock's. A client already holding
    /// its share of open polls on this instance is answered at once (RFC 8936 §2.4 lets the transmitter not wait).
    /// </summary>
    private async Task<List<SecurityEvent>> DueAsync(EventStreamRegistration stream, int take, TimeSpan wait, CancellationToken cancellationToken)
    {
        var slot = wait > TimeSpan.Zero && slots.TryTake(stream.ClientId, Settings.MaxLongPollsPerClient);
        try
        {
            var held = Stopwatch.StartNew();
            while (true)
            {
                var current = clock.GetUtcNow().UtcDateTime;
                var due = await db.SecurityEvents.AsNoTracking()
                    .Where(e => e.ExpiresAt > current && !db.SecurityEventAcks.Any(a => a.StreamId == stream.Id && a.EventId == e.Id))
                    .OrderBy(e => e.Id).Take(take + 1)
                    .ToListAsync(cancellationToken);
                if (due.Count > 0 || !slot || held.Elapsed >= wait)
                {
                    return due;
                }

                await Task.Delay(Settings.LongPollCheckInterval, cancellationToken);
            }
        }
        finally
        {
            if (slot)
            {
                slots.Return(stream.ClientId);
            }
        }
    }

    private async Task AcknowledgeAsync(EventStreamRegistration stream, PollRequest request, DateTime now, CancellationToken cancellationToken)
    {
        var jtis = PollSelection.SettledJtis(request);
        if (jtis.Count == 0)
        {
            return;
        }

        var known = (await db.SecurityEvents.AsNoTracking().Where(e => jtis.Contains(e.Jti)).Select(e => new { e.Id, e.Jti }).ToListAsync(cancellationToken))
            .Select(e => (e.Id, e.Jti)).ToList();
        var ids = known.Select(e => e.Id).ToList();
        var done = await db.SecurityEventAcks.Where(a => a.StreamId == stream.Id && ids.Contains(a.EventId)).Select(a => a.EventId).ToListAsync(cancellationToken);
        var fresh = PollSelection.NewAcks(stream.Id, request, known, done, now);
        foreach (var reported in fresh.Where(a => a.Error is not null))
        {
            LogReceiverError(logger, stream.ClientId, stream.Id, known.First(e => e.Id == reported.EventId).Jti, reported.Error!);
        }

        if (fresh.Count == 0)
        {
            return;
        }

        db.SecurityEventAcks.AddRange(fresh);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two polls of one stream at once acknowledged the same SET: the other one recorded it, which is all that matters.
        }
        finally
        {
            foreach (var ack in fresh)
            {
                db.Entry(ack).State = EntityState.Detached;
            }
        }
    }

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Revocation feed stream {StreamId} created for receiver {ClientId}")]
    private static partial void LogStreamCreated(ILogger logger, string streamId, string clientId);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "Revocation feed stream {StreamId} deleted by receiver {ClientId}")]
    private static partial void LogStreamDeleted(ILogger logger, string streamId, string clientId);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "Receiver {ClientId} (stream {StreamId}) could not process SET {Jti}: {Error}")]
    private static partial void LogReceiverError(ILogger logger, string clientId, string streamId, string jti, string error);
}
