using AuthServer.Login;
using AuthServer.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Authorization;

/// <summary>The end-session pages: the confirmation a request without a valid hint gets, the signed-out page, and errors.</summary>
public static class LogoutPages
{
    public static RazorComponentResult<SignOutConfirmation> Confirm(HttpRequest request) => new(new Dictionary<string, object?>
    {
        [nameof(SignOutConfirmation.Request)] = RepostedFields.Of(request, EndSessionEndpoint.ConfirmField, LoginPage.AntiforgeryField),
    });

    public static RazorComponentResult<SignedOut> SignedOut() => new();

    public static RazorComponentResult<SignOutFailed> Error(int status, string message) =>
        new(new Dictionary<string, object?> { [nameof(SignOutFailed.Message)] = message }) { StatusCode = status };
}
