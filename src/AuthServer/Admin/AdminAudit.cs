using System.Security.Claims;
using AuthServer.Contracts.Admin;
using AuthServer.Observability;

namespace AuthServer.Admin;

/// <summary>Audit events of the admin API, each naming the acting principal.</summary>
internal static class AdminAudit
{
    public static void Action(ILoggerFactory loggers, ClaimsPrincipal actor, string action, string target)
    {
        var logger = loggers.CreateLogger(typeof(AdminAudit));
        var who = actor.Actor();
        Audit.AdminAction(logger, action, who, target);
    }

    public static void Revoked(ILoggerFactory loggers, AuthMetrics metrics, ClaimsPrincipal actor, string targetKind, string target, RevocationCounts counts)
    {
        metrics.Revoked("admin", counts.Tokens);
        var logger = loggers.CreateLogger(typeof(AdminAudit));
        var who = actor.Actor();
        Audit.RevokedByAdmin(logger, who, targetKind, target, counts.Tokens, counts.Authorizations);
    }
}
