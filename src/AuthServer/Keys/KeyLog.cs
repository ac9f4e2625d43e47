namespace AuthServer.Keys;

/// <summary>Audit events of the key lifecycle (4000–4019): which key, which use, who; never key material.</summary>
public static partial class KeyLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Key created: {Kid} ({Use}, {Algorithm}, generation {Generation}), announced until {ActivatesAt:o}, by {Actor}")]
    public static partial void Created(ILogger logger, string kid, string use, string algorithm, int generation, DateTime activatesAt, string actor);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Key activated: {Kid} ({Use}) now signs or encrypts")]
    public static partial void Activated(ILogger logger, string kid, string use);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Key retired: {Kid} ({Use}) stays published and usable for validation and decryption until {RemovesAt:o}")]
    public static partial void Retired(ILogger logger, string kid, string use, DateTime? removesAt);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Key removed: {Kid} ({Use}); every token it protected has expired")]
    public static partial void Removed(ILogger logger, string kid, string use);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Key revoked: {Kid} ({Use}) by {Actor}; unpublished, and what it signed or encrypted is refused")]
    public static partial void Revoked(ILogger logger, string kid, string use, string actor);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Emergency rotation of {Use} by {Actor}: {Kid} is active now")]
    public static partial void RotatedNow(ILogger logger, string use, string kid, string actor);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Managed keys not refreshed ({Error}); the current set stays in use")]
    public static partial void RefreshFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Error, Message = "Managed key {Kid} ({Use}) cannot be decrypted: this instance's Data Protection key ring is not the one that protected it")]
    public static partial void Undecryptable(ILogger logger, string kid, string use);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Debug, Message = "Key generation {Generation} of {Use} was created by another instance first; using theirs")]
    public static partial void CreationLost(ILogger logger, string use, int generation);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "Managed keys loaded: signing {Signing}, encryption {Encryption}")]
    public static partial void Loaded(ILogger logger, string signing, string encryption);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Key {Kid} ({Use}) was revoked on another instance; dropped here")]
    public static partial void RevokedElsewhere(ILogger logger, string kid, string use);
}
