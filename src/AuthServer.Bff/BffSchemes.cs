namespace AuthServer.Bff;

/// <summary>The BFF's authentication schemes, named so they never collide with the host's own.</summary>
public static class BffSchemes
{
    /// <summary>The session cookie; the ticket it points at lives in the session store.</summary>
    public const string Cookie = "AuthServer.Bff";

    /// <summary>The framework's OpenID Connect handler, as AuthServer's confidential client.</summary>
    public const string OpenIdConnect = "AuthServer.Bff.Oidc";
}
