namespace AuthServer.Contracts;

/// <summary>
/// The exit codes of both command-line tools (the server binary and the `authserver` CLI), and of any API host that uses
/// AuthServer.ResourceServer's startup check: one number means one thing wherever a script meets it. Documented in
/// docs/operations.md ("Exit codes"); sysexits(3) gives the one code outside 0–6.
/// </summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Stopped by an unexpected error, or the request could not be done (a key file exists, the keys come from files).</summary>
    public const int Failure = 1;

    /// <summary>One or more settings are invalid or missing; every one is listed, nothing was started.</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>
    /// What the command needs is not there or not ready: for `check`, the database, schema, keys or TLS; for the CLI, the
    /// server (no connection, or no answer in time).
    /// </summary>
    public const int Unavailable = 3;

    /// <summary>The credentials or the token were refused (401, 403, invalid_client).</summary>
    public const int Unauthorized = 4;

    /// <summary>No such user, session, client or key.</summary>
    public const int NotFound = 5;

    /// <summary>The server rejected the input (400: a weak password, bad paging, an overlap out of range).</summary>
    public const int Rejected = 6;

    /// <summary>An unknown command or option, a missing or malformed argument (sysexits' EX_USAGE): found before anything ran.</summary>
    public const int Usage = 64;
}
