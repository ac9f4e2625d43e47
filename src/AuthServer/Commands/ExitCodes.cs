namespace AuthServer.Commands;

/// <summary>The server binary's exit codes, documented in docs/deployment.md ("Exit codes").</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Stopped by an unexpected error (its message is logged; the stack trace at Debug level).</summary>
    public const int Failure = 1;

    /// <summary>One or more settings are invalid or missing; every one is listed, nothing was started.</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>`check`: the settings are valid, but something the server needs (database, schema, keys, TLS) is not ready.</summary>
    public const int CheckFailed = 3;

    /// <summary>An unknown command or a missing argument (sysexits' EX_USAGE).</summary>
    public const int Usage = 64;
}
