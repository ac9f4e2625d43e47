using AuthServer.Contracts.Admin;

namespace AuthServer.Revocation;

/// <summary>This instance's last prune, when and what it removed: for the console's health page (per instance, like its schedule).</summary>
public sealed class PruningStatus
{
    private (DateTimeOffset At, PruneCounts Counts)? _last;

    public (DateTimeOffset At, PruneCounts Counts)? Last => _last;

    public void Record(DateTimeOffset at, PruneCounts counts) => _last = (at, counts);
}
