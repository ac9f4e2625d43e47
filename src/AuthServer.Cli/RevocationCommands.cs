using System.CommandLine;
using System.Text.Json.Serialization.Metadata;
using AuthServer.Contracts.Admin;

namespace AuthServer.Cli;

/// <summary>`revoke`, `revoke-session`, `sessions`, `browser-sessions`, `prune`: what a user or client holds, and ending it.</summary>
internal static class RevocationCommands
{
    public static IEnumerable<Command> Create(CommandRunner run) => [Revoke(run), RevokeSession(run), Sessions(run), BrowserSessions(run), Prune(run)];

    private static Command Revoke(CommandRunner run)
    {
        var user = new Option<string>("--user") { Description = "Every refresh token and session of this user (id, user name or email)" };
        var client = new Option<string>("--client") { Description = "Everything issued to this client" };
        var command = new Command("revoke", "Revoke every token and session of a user or of a client") { user, client };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(user) is null) == (result.GetResult(client) is null))
            {
                result.AddError("revoke needs exactly one of --user or --client.");
            }
        });
        run.SetAction(command, (parse, api) => parse.GetValue(user) is { } name
            ? RevokeAsync(api, HttpMethod.Post, $"admin/users/{TextOutput.Segment(name)}/revoke-tokens", $"user {name}")
            : RevokeAsync(api, HttpMethod.Post, $"admin/clients/{TextOutput.Segment(parse.GetRequiredValue(client))}/revoke-tokens", $"client {parse.GetValue(client)}"));
        return command;
    }

    private static Command RevokeSession(CommandRunner run)
    {
        var session = new Argument<string>("session-id") { Description = "A browser session or a chain, as `sessions` and `browser-sessions` list them" };
        var command = new Command("revoke-session", "End a browser session or chain, with everything issued in its sign-in") { session };
        run.SetAction(command, (parse, api) =>
            RevokeAsync(api, HttpMethod.Delete, $"admin/sessions/{TextOutput.Segment(parse.GetRequiredValue(session))}", $"session {parse.GetValue(session)}"));
        return command;
    }

    private static Command Sessions(CommandRunner run) => UserListing(run, "sessions", "A user's refresh-token chains, each with its browser session",
        AdminJson.Context.PageSessionView, ["SESSION", "CLIENT", "CREATED", "LAST USED", "EXPIRES", "LIVE", "TOKENS", "BROWSER SESSION"], s =>
        [
            s.Id, s.ClientId ?? "", TextOutput.Date(s.Created), TextOutput.Date(s.LastUsed), TextOutput.Date(s.Expires),
            TextOutput.Number(s.LiveTokens), TextOutput.Number(s.Tokens), s.BrowserSession ?? "",
        ]);

    private static Command BrowserSessions(CommandRunner run) => UserListing(run, "browser-sessions", "A user's sign-ins on the login page: source, last seen, status",
        AdminJson.Context.PageBrowserSessionView, ["BROWSER SESSION", "CLIENT", "CREATED", "LAST SEEN", "EXPIRES", "SOURCE", "STATUS", "CHAINS"], s =>
        [
            s.Id, s.ClientId ?? "", TextOutput.Date(s.Created), TextOutput.Date(s.LastSeen), TextOutput.Date(s.Expires), s.SourceAddress ?? "",
            s.Ended is null ? "live" : $"ended ({s.EndReason})", TextOutput.Number(s.Chains.Count),
        ]);

    /// <summary>A paged listing under `admin/users/{user}/{name}`, printed as a table with its page footer.</summary>
    private static Command UserListing<T>(CommandRunner run, string name, string description, JsonTypeInfo<Page<T>> type, string[] headers, Func<T, string[]> row)
    {
        var user = CommandOptions.User();
        var paging = CommandOptions.Paging();
        var command = new Command(name, description) { user, paging.Page, paging.PageSize };
        run.SetAction(command, async (parse, api) =>
        {
            var page = await api.SendAsync(HttpMethod.Get, $"admin/users/{TextOutput.Segment(parse.GetRequiredValue(user))}/{name}{CommandOptions.Query(parse, paging)}", type);
            return CommandOutput.Of(TextOutput.Table(headers, page.Items.Select(row)) + TextOutput.Footer(page), page, type);
        });
        return command;
    }

    private static Command Prune(CommandRunner run)
    {
        var command = new Command("prune", "Delete expired and revoked token rows now");
        run.SetAction(command, async (parse, api) =>
        {
            var counts = await api.SendAsync(HttpMethod.Post, "admin/prune", AdminJson.Context.PruneCounts);
            var text = $"Pruned {TextOutput.Number(counts.Tokens)} token(s) and {TextOutput.Number(counts.Authorizations)} authorization(s): redeemed tokens expired by now, others expired before {TextOutput.Date(counts.Threshold)}.\n";
            return CommandOutput.Of(text, counts, AdminJson.Context.PruneCounts);
        });
        return command;
    }

    private static async Task<CommandOutput> RevokeAsync(AdminApi api, HttpMethod method, string path, string target)
    {
        var counts = await api.SendAsync(method, path, AdminJson.Context.RevocationCounts);

        // Said only when there were any: password-grant users have no browser sessions.
        var browser = counts.BrowserSessions > 0 ? $", and ended {TextOutput.Number(counts.BrowserSessions)} browser session(s)" : "";
        var text = $"Revoked {TextOutput.Number(counts.Tokens)} token(s) and {TextOutput.Number(counts.Authorizations)} session(s) of {target}{browser}.\n";
        return CommandOutput.Of(text, counts, AdminJson.Context.RevocationCounts);
    }
}
