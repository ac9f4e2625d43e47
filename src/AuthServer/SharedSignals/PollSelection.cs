using AuthServer.Persistence;

namespace AuthServer.SharedSignals;

/// <summary>The decisions of one poll (RFC 8936 §2.4) that need no database: how many SETs, which acknowledgements are new, the answer.</summary>
internal static class PollSelection
{
    /// <summary>A stream's last poll is written at most this often, so an idle poll stays a read.</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    /// <summary>What the receiver asked for, never more than the server's maximum.</summary>
    public static int EventsToTake(PollRequest request, SharedSignalsOptions settings) =>
        Math.Min(request.MaxEvents ?? settings.MaxEventsPerPoll, settings.MaxEventsPerPoll);

    public static bool TouchDue(DateTime lastPolledAt, DateTime now) => now - lastPolledAt >= TouchInterval;

    /// <summary>Every jti the receiver is done with: acknowledged, or reported as an error (which is never sent again either).</summary>
    public static List<string> SettledJtis(PollRequest request) => request.Acks.Concat(request.Errors.Keys).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The acknowledgements to store: one per known event not already acknowledged by this stream, carrying the error the
    /// receiver reported for it, if any. Unknown jtis (expired and deleted, or never sent) are dropped.
    /// </summary>
    public static List<SecurityEventAck> NewAcks(string streamId, PollRequest request, IEnumerable<(long Id, string Jti)> known, ICollection<long> alreadyAcked, DateTime now) =>
        [.. known.Where(e => !alreadyAcked.Contains(e.Id)).Select(e => new SecurityEventAck
        {
            StreamId = streamId,
            EventId = e.Id,
            AckedAt = now,
            Error = request.Errors.TryGetValue(e.Jti, out var err) ? err : null,
        })];

    /// <summary>
    /// The poll's answer from the due events read (oldest first, up to one more than <paramref name="take"/> so the extra
    /// one says more are waiting). Asked for none, the answer is an empty `sets` alone.
    /// </summary>
    public static Dictionary<string, object> Answer(IReadOnlyList<SecurityEvent> due, int take, Func<SecurityEvent, string> toSet)
    {
        var answer = new Dictionary<string, object>(StringComparer.Ordinal);
        if (take == 0)
        {
            answer["sets"] = new Dictionary<string, string>();
            return answer;
        }

        answer["sets"] = due.Take(take).ToDictionary(e => e.Jti, toSet, StringComparer.Ordinal);
        answer["moreAvailable"] = due.Count > take;
        return answer;
    }
}
