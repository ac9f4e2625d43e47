namespace AuthServer.Cli;

/// <summary>
/// Stable exit codes, so scripts can tell a typo from an outage from a refusal; documented in docs/operations.md
/// ("Exit codes of the CLI").
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Unreachable = 3;
    public const int Unauthorized = 4;
    public const int NotFound = 5;
    public const int Rejected = 6;
}
