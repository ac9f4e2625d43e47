using Microsoft.AspNetCore.Antiforgery;

namespace AuthServer.Pages;

/// <summary>Antiforgery for the forms of our pages: the framework's middleware where it can apply, an explicit check where it cannot.</summary>
public static class FormAntiforgery
{
    /// <summary>
    /// The framework's middleware (app.UseAntiforgery) validates every post to an endpoint marked here. The handler reads
    /// its verdict (<see cref="HasValidAntiforgeryToken"/>) before touching the form, rather than binding [FromForm], so
    /// that a refusal keeps the page's own 400 problem instead of the binder's bare 400 (or 415 for a non-form body).
    /// Without the middleware in the pipeline, a marked endpoint fails instead of running unchecked.
    /// </summary>
    public static TBuilder ValidateAntiforgery<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequireAntiforgeryTokenAttribute());

    /// <summary>True only for a post whose token the middleware has accepted; never for a GET.</summary>
    public static bool HasValidAntiforgeryToken(this HttpContext context) =>
        context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: true };

    /// <summary>
    /// For the user's answer posted to a protocol endpoint (consent to /connect/authorize, confirmation to
    /// /connect/logout), checked only when the post carries that answer. The middleware cannot apply there: clients post
    /// to these endpoints without a token (OIDC Core §3.1.2.1, RP-Initiated Logout §2), and once the middleware has
    /// refused a post the framework will not let anything read its form.
    /// </summary>
    public static Task<bool> IsAnswerFromOurPageAsync(this HttpContext context) =>
        context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context);
}
