using Microsoft.Extensions.Logging;

namespace AuthServer.Bff;

/// <summary>The BFF's log events (3000–3019). Subjects and session ids only: never a token, a cookie or a session key.</summary>
internal static partial class BffLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "BFF sign-in: subject {Subject}, server session {SessionId}")]
    public static partial void SignedIn(ILogger logger, string subject, string sessionId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "BFF sign-in failed: {Reason}")]
    public static partial void SignInFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Access token refreshed for subject {Subject}")]
    public static partial void Refreshed(ILogger logger, string subject);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Refresh refused by the server ({Error}) for subject {Subject}: the BFF session is ended")]
    public static partial void RefreshRefused(ILogger logger, string error, string subject);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "The authorization server did not answer {Operation}: {Reason}")]
    public static partial void AuthorityUnavailable(ILogger logger, string operation, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "Another instance holds the refresh of this session; waiting for its result")]
    public static partial void WaitingForRefresh(ILogger logger);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "BFF sign-out: subject {Subject}, refresh token revoked at the server: {Revoked}")]
    public static partial void SignedOut(ILogger logger, string subject, bool revoked);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Back-channel logout for subject {Subject}, session {SessionId}: {Count} BFF session(s) ended")]
    public static partial void BackchannelLogout(ILogger logger, string subject, string sessionId, int count);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Back-channel logout refused: {Reason}")]
    public static partial void BackchannelLogoutRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "API {Route} not reachable: {Error}")]
    public static partial void ApiUnavailable(ILogger logger, string route, string error);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Refused {Method} {Path}: the {Header} header is missing")]
    public static partial void CsrfHeaderMissing(ILogger logger, string method, string path, string header);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "BFF session database is current: applied {Count} migration(s) on {Provider}")]
    public static partial void Migrated(ILogger logger, int count, string provider);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Debug, Message = "Pruned {Count} expired BFF session(s)")]
    public static partial void Pruned(ILogger logger, int count);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Sign-out callback refused: its state was not issued by this BFF")]
    public static partial void SignOutCallbackRefused(ILogger logger);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "BFF session of subject {Subject} removed: the request that stored it failed with {Status}; refresh token revoked at the server: {Revoked}")]
    public static partial void StoredSessionRemoved(ILogger logger, string subject, int status, bool revoked);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Error, Message = "BFF key ring key {KeyId} cannot be decrypted ({Reason}): this instance's Bff:DataProtection is not the one that protected it")]
    public static partial void KeyRingUndecryptable(ILogger logger, Guid keyId, string reason);
}
