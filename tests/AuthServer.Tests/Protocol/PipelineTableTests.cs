using System.Text;
using AuthServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace AuthServer.Tests.Protocol;

/// <summary>
/// What runs on each endpoint, as the running server has it: every handler of ours among OpenIddict's, by event, with
/// its place relative to OpenIddict's nearest handler. The table is the committed `docs/protocol-pipeline.md`, so a
/// reordered, added or removed handler (ours, or OpenIddict's on an upgrade) shows in review. After an intended change:
/// `AUTHSERVER_WRITE_PIPELINE=1 dotnet test tests/AuthServer.Tests --filter-class *PipelineTableTests`.
/// </summary>
public sealed class PipelineTableTests
{
    private static string CommittedPath => Path.GetFullPath(Path.Combine(ServerProcess.ContentRoot, "..", "..", "docs", "protocol-pipeline.md"));

    [Fact]
    public void The_running_pipeline_is_the_committed_table()
    {
        using var server = new AuthServerFactory();
        var services = server.Services;
        var table = Render(
            services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.Handlers
                .Select(h => new Entry(h.ContextType, h.ServiceDescriptor.ServiceType, h.Order, h.Type == OpenIddictServerHandlerType.Custom)),
            services.GetRequiredService<IOptionsMonitor<OpenIddictValidationOptions>>().CurrentValue.Handlers
                .Select(h => new Entry(h.ContextType, h.ServiceDescriptor.ServiceType, h.Order, h.Type == OpenIddictValidationHandlerType.Custom)));
        CommittedFile.AssertMatches(CommittedPath, table, "AUTHSERVER_WRITE_PIPELINE", nameof(PipelineTableTests));
    }

    private sealed record Entry(Type Context, Type Handler, int Order, bool Ours);

    private static string Render(IEnumerable<Entry> server, IEnumerable<Entry> validation)
    {
        var text = new StringBuilder("""
            # The protocol pipeline

            Every OpenIddict event handler of ours, in the order it runs within its event, placed against OpenIddict's nearest
            handler. Generated from the running server by `PipelineTableTests` (tests/AuthServer.Tests/Protocol): do not edit by
            hand. The registrations are listed in one place, `src/AuthServer/Protocol/ProtocolPipeline.cs`. A handler of
            OpenIddict's that we keep in its place with one more condition (`ProtocolPipeline.Narrowed`) is listed under its own name.

            """.ReplaceLineEndings("\n"));
        Section(text, "Server (token, authorization, revocation, end-session, discovery endpoints)", server.ToList());
        Section(text, "Validation (the admin API and the Shared Signals endpoints read their callers' access tokens)", validation.ToList());
        return text.ToString();
    }

    private static void Section(StringBuilder text, string title, List<Entry> handlers)
    {
        text.Append('\n').Append("## ").Append(title).Append("\n\n| event | handler | runs | order |\n|---|---|---|---:|\n");
        foreach (var ours in handlers.Where(h => h.Ours).OrderBy(h => Name(h.Context), StringComparer.Ordinal).ThenBy(h => h.Order).ThenBy(h => Name(h.Handler), StringComparer.Ordinal))
        {
            // OpenIddict gives some handlers the same order and sorts them unstably: ties are broken by name, so the table is stable.
            var theirs = handlers.Where(h => !h.Ours && h.Context == ours.Context).OrderBy(h => h.Order).ThenBy(h => Name(h.Handler), StringComparer.Ordinal).ToList();
            var before = theirs.LastOrDefault(h => h.Order <= ours.Order);
            var after = theirs.FirstOrDefault(h => h.Order > ours.Order);
            var place = (before, after) switch
            {
                (null, null) => "alone",
                ({ } previous, _) when ours.Order == previous.Order => $"same order as {Name(previous.Handler)}",
                ({ } previous, { } next) when next.Order - ours.Order < ours.Order - previous.Order => $"just before {Name(next.Handler)} (-{next.Order - ours.Order})",
                ({ } previous, _) => $"after {Name(previous.Handler)} (+{ours.Order - previous.Order})",
                (null, { } next) => $"before {Name(next.Handler)} (-{next.Order - ours.Order})",
            };
            text.Append($"| {Name(ours.Context)} | {Name(ours.Handler)} | {place} | {ours.Order} |\n");
        }
    }

    /// <summary>Short names: `ValidateTokenRequestContext`, `ScopeRequestChecks.ClientMayUse`, `SingleValuedParameters&lt;ExtractTokenRequestContext&gt;`.</summary>
    private static string Name(Type type)
    {
        var name = type.Name.Split('`')[0];
        if (type.IsGenericType)
        {
            name += $"<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
        }

        return type.IsNested && type.DeclaringType is { } outer && !outer.Name.StartsWith("OpenIddict", StringComparison.Ordinal) ? $"{outer.Name.Split('`')[0]}.{name}" : name;
    }
}
