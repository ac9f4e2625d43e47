using System.Security.Claims;
using AuthServer.Protocol;
using AuthServer.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Admin;

/// <summary>
/// The operators' HTTP API. It is a resource server of this very authorization server: callers present an
/// access token for the admin audience with the operator scope (Protocol/CallerTokens validates it).
/// </summary>
public static class AdminSetup
{
    public const string Policy = "admin";
    public const string Prefix = "/admin";

    public static IServiceCollection AddAdmin(this IServiceCollection services)
    {
        services.BindSettings<AdminOptions>(AdminOptions.Section);

        services.AddSingleton<IConfigureOptions<OpenIddictValidationOptions>, ConfigureAudience>();

        services.AddSingleton<IAuthorizationHandler, OperatorScopeHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeAnswer>();
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(CallerTokens.Scheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new OperatorScopeRequirement()));

        // Data annotations on the request records (AdminContracts) are checked before a handler runs: 400 problem details.
        services.AddValidation();
        services.AddOpenApi(Policy, openApi => openApi.ShouldInclude = endpoint =>
            endpoint.RelativePath?.StartsWith(Prefix.TrimStart('/'), StringComparison.Ordinal) == true);
        return services;
    }

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        // Only the one document's name is routed: the framework's own 404 for another name echoes it as text/plain.
        app.MapOpenApi(Prefix + "/openapi/{documentName:regex(^" + Policy + "$)}.json").RequireAuthorization(Policy);

        // Every refusal is problem details (RFC 9457): 401 and 403 from ErrorHandling and InsufficientScopeAnswer.
        var admin = app.MapGroup(Prefix).RequireAuthorization(Policy).WithTags("Admin")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapUserAdmin();
        admin.MapSessionAdmin();
        admin.MapClientAdmin();
        admin.MapMaintenanceAdmin();
        admin.MapKeyAdmin();
        admin.MapLogoutNoticeAdmin();
        return app;
    }

    /// <summary>Who acted, for the audit trail: the subject (the client id for client credentials).</summary>
    public static string Actor(this ClaimsPrincipal principal) =>
        principal.GetClaim(Claims.Subject) ?? principal.GetClaim(Claims.ClientId) ?? "unknown";

    private sealed class ConfigureAudience(IOptions<AdminOptions> admin) : IConfigureOptions<OpenIddictValidationOptions>
    {
        public void Configure(OpenIddictValidationOptions options) => options.Audiences.Add(admin.Value.Audience);
    }

    private sealed class OperatorScopeRequirement : IAuthorizationRequirement;

    /// <summary>
    /// A valid token without the operator scope is authenticated but not allowed: 403, not 401. The audience is checked
    /// here by name, not left to the scope's resources in the catalog: the validation also accepts the feed's audience.
    /// </summary>
    private sealed class OperatorScopeHandler(IOptions<AdminOptions> admin) : AuthorizationHandler<OperatorScopeRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OperatorScopeRequirement requirement)
        {
            if (!context.User.GetAudiences().Contains(admin.Value.Audience, StringComparer.Ordinal))
            {
                context.Fail(new AuthorizationFailureReason(this, OtherAudience));
            }
            else if (context.User.HasScope(admin.Value.Scope))
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }
    }

    private const string OtherAudience = "The access token is not for the admin API.";

    /// <summary>
    /// RFC 6750 §3.1: a valid token without the operator scope is `insufficient_scope`, naming the scope it needs
    /// (OpenIddict's own answer says `insufficient_access` and has no body). Other policies keep the default.
    /// </summary>
    private sealed class InsufficientScopeAnswer(IOptions<AdminOptions> admin) : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (!authorizeResult.Forbidden || !policy.Requirements.OfType<OperatorScopeRequirement>().Any())
            {
                await _default.HandleAsync(next, context, policy, authorizeResult);
                return;
            }

            // RFC 6750 §3.1: a token for another resource is not a valid token here at all.
            if (authorizeResult.AuthorizationFailure?.FailureReasons.Any(reason => reason.Message == OtherAudience) == true)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.CacheControl = "no-store";
                context.Response.Headers.WWWAuthenticate = $"Bearer error=\"{Errors.InvalidToken}\", error_description=\"{OtherAudience}\"";
                await TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid token", detail: OtherAudience,
                    extensions: new Dictionary<string, object?> { ["error"] = Errors.InvalidToken }).ExecuteAsync(context);
                return;
            }

            var scope = admin.Value.Scope;
            var description = $"The access token lacks the {scope} scope.";
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.WWWAuthenticate =
                $"Bearer error=\"{Errors.InsufficientScope}\", error_description=\"{description}\", scope=\"{scope}\"";
            await TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Insufficient scope", detail: description,
                extensions: new Dictionary<string, object?> { ["error"] = Errors.InsufficientScope, ["scope"] = scope }).ExecuteAsync(context);
        }
    }
}
