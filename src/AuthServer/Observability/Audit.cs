namespace AuthServer.Observability;

/// <summary>
/// Security events with stable ids (2xxx), for alerting and forensics. They name who and what,
/// never a token, code, secret or password. Raised during a request, each also carries the client's address (<see cref="ClientAddress"/>).
/// </summary>
public static partial class Audit
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Token issued: grant {GrantType}, client {ClientId}, subject {Subject}")]
    public static partial void TokenIssued(ILogger logger, string grantType, string? clientId, string subject);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Sign-in failed: {Reason}, method {Method}, client {ClientId}, user {UserId}")]
    public static partial void SignInFailed(ILogger logger, string reason, string method, string? clientId, string? userId);

    [LoggerMessage(EventId = 2031, Level = LogLevel.Information, Message = "Signed in: method {Method}, client {ClientId}, user {UserId}")]
    public static partial void SignedIn(ILogger logger, string method, string? clientId, string userId);

    [LoggerMessage(EventId = 2032, Level = LogLevel.Information, Message = "Account changed by its user: {Change}, user {UserId}")]
    public static partial void AccountChanged(ILogger logger, string change, string userId);

    [LoggerMessage(EventId = 2033, Level = LogLevel.Information, Message = "Passkey registration refused: user {UserId}, {Reason}")]
    public static partial void PasskeyRegistrationRefused(ILogger logger, string userId, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Refresh refused: subject {Subject} may no longer sign in (deleted, locked out or credentials changed), client {ClientId}")]
    public static partial void RefreshRefused(ILogger logger, string? subject, string? clientId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Refresh token replay detected: subject {Subject}, client {ClientId}, authorization {AuthorizationId}; the chain is revoked")]
    public static partial void RefreshReplayDetected(ILogger logger, string? subject, string? clientId, string? authorizationId);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Token revoked by client {ClientId} for subject {Subject}: {Tokens} token(s)")]
    public static partial void RevokedByClient(ILogger logger, string? clientId, string? subject, int tokens);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Tokens revoked by operator {Actor}: {TargetKind} {Target}, {Tokens} token(s), {Authorizations} authorization(s)")]
    public static partial void RevokedByAdmin(ILogger logger, string actor, string targetKind, string target, int tokens, int authorizations);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Tokens revoked by security event {Reason} for user {UserId}: {Tokens} token(s), {Authorizations} authorization(s)")]
    public static partial void RevokedBySecurityEvent(ILogger logger, string reason, string userId, int tokens, int authorizations);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Admin action {Action} by {Actor} on {Target}")]
    public static partial void AdminAction(ILogger logger, string action, string actor, string target);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Pruned {Tokens} token(s) and {Authorizations} authorization(s): redeemed tokens expired by now, others expired before {Threshold}")]
    public static partial void Pruned(ILogger logger, long tokens, long authorizations, DateTimeOffset threshold);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "Session ended: subject {Subject}, session {SessionId}, {Revoked} token(s) revoked")]
    public static partial void SessionEnded(ILogger logger, string subject, string sessionId, long revoked);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Sign-in throttled: {Reason}, client {ClientId}, source {Source}")]
    public static partial void SignInThrottled(ILogger logger, string reason, string? clientId, string source);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Client authentication throttled: client {ClientId} failed too often")]
    public static partial void ClientAuthenticationThrottled(ILogger logger, string clientId);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Information, Message = "Back-channel logout delivered: notice {NoticeId}, client {ClientId}, subject {Subject}, session {SessionId}, attempt {Attempt}")]
    public static partial void BackchannelLogoutDelivered(ILogger logger, Guid noticeId, string clientId, string subject, string sessionId, int attempt);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Warning, Message = "Back-channel logout failed: notice {NoticeId}, client {ClientId}, subject {Subject}, session {SessionId}, attempt {Attempt}: {Error}; next attempt at {NextAttemptAt}")]
    public static partial void BackchannelLogoutFailed(ILogger logger, Guid noticeId, string clientId, string subject, string sessionId, int attempt, string error, DateTime nextAttemptAt);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Error, Message = "Back-channel logout abandoned: notice {NoticeId}, client {ClientId}, subject {Subject}, session {SessionId}, after {Attempts} attempt(s): {Error}")]
    public static partial void BackchannelLogoutAbandoned(ILogger logger, Guid noticeId, string clientId, string subject, string sessionId, int attempts, string error);
}
