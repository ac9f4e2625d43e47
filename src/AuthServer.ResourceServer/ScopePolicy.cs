using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AuthServer.ResourceServer;

/// <summary>Met when the token grants <see cref="Scope"/> (RFC 9068 §2.2.3: the scope claim is space-separated).</summary>
public sealed class ScopeRequirement(string scope, string claimType = ScopeRequirement.ScopeClaim)
    : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    public const string ScopeClaim = "scope";

    public string Scope { get; } = scope;

    public string ClaimType { get; } = claimType;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        var granted = context.User.FindAll(requirement.ClaimType)
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(requirement.Scope, StringComparer.Ordinal);
        if (granted)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

public static class ScopePolicy
{
    /// <summary>Adds a policy that needs an authenticated caller whose token grants <paramref name="scope"/>.</summary>
    public static AuthorizationBuilder AddScopePolicy(this AuthorizationBuilder builder, string name, string scope, string claimType = ScopeRequirement.ScopeClaim)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>());
        return builder.AddPolicy(name, policy => policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope, claimType)));
    }
}

/// <summary>RFC 6750 §3.1: a valid token that lacks the scope gets 403 with error="insufficient_scope" and the scope it needs.</summary>
public sealed class InsufficientScopeResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        var missing = authorizeResult.Forbidden
            ? authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope).ToList()
            : null;
        if (missing is not { Count: > 0 })
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{string.Join(' ', missing)}\"";
        return Task.CompletedTask;
    }
}
