using System.Security.Claims;
using AuthServer.Contracts.Admin;
using AuthServer.Revocation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Admin;

/// <summary>On-demand pruning: the same run the background service does, answered with its counts.</summary>
public static class MaintenanceAdmin
{
    public static RouteGroupBuilder MapMaintenanceAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/prune", PruneAsync);
        return admin;
    }

    private static async Task<Ok<PruneCounts>> PruneAsync(TokenPruner pruner, ClaimsPrincipal actor, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        AdminAudit.Action(loggers, actor, "prune", "tokens");
        return TypedResults.Ok(await pruner.PruneAsync(cancellationToken));
    }
}
