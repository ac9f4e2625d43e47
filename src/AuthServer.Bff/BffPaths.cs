namespace AuthServer.Bff;

/// <summary>Every path the BFF answers itself, in one place; the SPA's own paths and the proxied APIs stay outside <see cref="Root"/>.</summary>
public static class BffPaths
{
    public const string Root = "/bff";
    public const string Login = Root + "/login";
    public const string User = Root + "/user";
    public const string Logout = Root + "/logout";
    public const string EndLogout = Root + "/logout/end";
    public const string LogoutScript = Root + "/logout/submit.js";
    public const string BackchannelLogout = Root + "/backchannel-logout";
    public const string SignInCallback = Root + "/signin-oidc";
    public const string SignOutCallback = Root + "/signout-callback-oidc";

    /// <summary>Browser-based-apps BCP §6.1.3.2: a header a cross-site form or navigation cannot send, and that makes a cross-origin fetch preflight.</summary>
    public const string CsrfHeader = "X-CSRF";
    public const string CsrfHeaderValue = "1";
}
