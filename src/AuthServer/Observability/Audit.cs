namespace AuthServer.Observability;

/// <summary>
/// Security events with stable ids (2xxx), for alerting and forensics. They name who and what,
/// never a token, code, secret or password.
/// </summary>
public static partial class Audit
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Token issued: grant {GrantType}, client {ClientId}, subject {Subject}")]
    public static partial void TokenIssued(ILogger logger, string grantType, string? clientId, string subject);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Sign-in failed: {Reason}, client {ClientId}, user {UserId}")]
    public static partial void SignInFailed(ILogger logger, string reason, string? clientId, string? userId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "User {UserId} is locked out")]
    public static partial void LockedOut(ILogger logger, string userId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Refresh refused: subject {Subject} may no longer sign in (deleted, locked out or credentials changed), client {ClientId}")]
    public static partial void RefreshRefused(ILogger logger, string? subject, string? clientId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Session ended: subject {Subject}, client {ClientId}, {Revoked} token(s) revoked")]
    public static partial void SessionEnded(ILogger logger, string subject, string clientId, long revoked);
}
