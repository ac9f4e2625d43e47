namespace AuthServer.Clients;

/// <summary>Catalog events (11xx). Each names the client or scope; none carries a secret.</summary>
internal static partial class CatalogLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Information,
        Message = "Catalog version {Version} synced: {Clients} client(s), {Scopes} scope(s) configured, {Written} row(s) written, {Refused} refused")]
    public static partial void Synced(ILogger logger, long version, int clients, int scopes, int written, int refused);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Client {ClientId} is no longer configured: removed with its authorizations and tokens")]
    public static partial void ClientRemoved(ILogger logger, string clientId);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Client {ClientId} is in the store but not in configuration: kept (set Catalog:DeleteUnlistedClients to delete it with its authorizations and tokens)")]
    public static partial void UnlistedKept(ILogger logger, string clientId);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error,
        Message = "The {Kind} {Name} was written by catalog version {StoredVersion}, newer than this instance's {Version}: left unchanged. This instance runs an old configuration")]
    public static partial void OlderConfiguration(ILogger logger, string kind, string name, long version, long storedVersion);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Error,
        Message = "The {Kind} {Name} in the store differs from this instance's configuration, yet both claim catalog version {Version}: left unchanged. Bump Catalog:Version with every change")]
    public static partial void ConflictingConfiguration(ILogger logger, string kind, string name, long version);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning,
        Message = "Client {ClientId} has a secret rotated through the admin API; the configured one is not applied. Put the new secret in the secret store")]
    public static partial void RotatedSecretKept(ILogger logger, string clientId);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Error,
        Message = "The configured secret of client {ClientId} was retired by a rotation and is not restored; the client keeps its current secret. Put the new secret in the secret store")]
    public static partial void RetiredSecretRefused(ILogger logger, string clientId);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Error,
        Message = "Client {ClientId} is not configured here but was written by catalog version {StoredVersion}, not older than this instance's {Version}: not deleted")]
    public static partial void UnlistedNotDeleted(ILogger logger, string clientId, long version, long storedVersion);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Information, Message = "Client {ClientId} authenticated with its previous secret, valid until {ValidUntil}")]
    public static partial void PreviousSecretUsed(ILogger logger, string? clientId, DateTimeOffset validUntil);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Debug, Message = "Catalog sync raced another instance (attempt {Attempt}); reading the store again")]
    public static partial void SyncRaced(ILogger logger, int attempt);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Client {ClientId} written from catalog version {Version}")]
    public static partial void ClientWritten(ILogger logger, string clientId, long version);
}
