using AuthServer.Login;
using AuthServer.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Authorization;

/// <summary>The consent screen (ConsentForm.razor) for clients registered with explicit consent.</summary>
public static class ConsentPage
{
    public const string DecisionField = "consent";
    public const string Accept = "accept";
    public const string Deny = "deny";

    public static RazorComponentResult<ConsentForm> Render(HttpRequest request, string clientName, IEnumerable<string> scopes) => new(
        new Dictionary<string, object?>
        {
            [nameof(ConsentForm.ClientName)] = clientName,
            [nameof(ConsentForm.Scopes)] = scopes.ToList(),
            [nameof(ConsentForm.Request)] = RepostedFields.Of(request, DecisionField, LoginPage.AntiforgeryField),
        });
}
