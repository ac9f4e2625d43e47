namespace AuthServer.Revocation;

public sealed class RevocationOptions
{
    public const string Section = "Revocation";

    /// <summary>Revoking a refresh token at /connect/revoke also revokes its authorization and every token of the chain.</summary>
    public bool RevokeChainWithRefreshToken { get; set; } = true;

    /// <summary>
    /// A role change revokes the user's refresh tokens. Off by default: every refresh re-reads the roles,
    /// so a change reaches new access tokens within one access token lifetime without signing the user out.
    /// </summary>
    public bool RevokeOnRoleChange { get; set; }
}
