namespace AuthServer.Tokens;

/// <summary>Protocol endpoint paths, in one place for the server, the discovery document and the tests.</summary>
public static class Endpoints
{
    public const string Token = "/connect/token";
    public const string Revocation = "/connect/revoke";
    public const string Authorization = "/connect/authorize";

    /// <summary>RFC 9126: a client posts its authorization request here first and sends only the `request_uri` through the browser.</summary>
    public const string PushedAuthorization = "/connect/par";
    public const string EndSession = "/connect/logout";
    public const string UserInfo = "/connect/userinfo";
    public const string Jwks = "/.well-known/jwks";
    public const string Discovery = "/.well-known/openid-configuration";
}
