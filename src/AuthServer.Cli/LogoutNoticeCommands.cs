using System.CommandLine;

namespace AuthServer.Cli;

/// <summary>`logout-notices`: which relying parties hear of ended sessions (back-channel logout), and which never do.</summary>
internal static class LogoutNoticeCommands
{
    public static Command Create(CommandRunner run)
    {
        var state = new Option<string>("--state") { Description = "List the notices in this state: pending, abandoned or delivered (without it: one line per client)" };
        state.AcceptOnlyFromAmong("pending", "abandoned", "delivered");
        var client = new Option<string>("--client") { Description = "Only this client's notices (with --state)" };
        var paging = CommandOptions.Paging();
        var command = new Command("logout-notices", "Back-channel logout notices per client: pending, abandoned (never heard), delivered") { state, client, paging.Page, paging.PageSize };
        run.SetAction(command, async (parse, api) =>
        {
            if (parse.GetValue(state) is not { } chosen)
            {
                var clients = await api.SendAsync(HttpMethod.Get, "admin/logout-notices", AdminJson.Context.IReadOnlyListLogoutNoticeClientView);
                var summary = TextOutput.Table(
                    ["CLIENT", "PENDING", "ABANDONED", "DELIVERED", "OLDEST PENDING", "LAST ABANDONED", "LAST ERROR"],
                    clients.Select(c => new[]
                    {
                        c.ClientId, TextOutput.Number(c.Pending), TextOutput.Number(c.Abandoned), TextOutput.Number(c.Delivered),
                        TextOutput.Date(c.OldestPending), TextOutput.Date(c.LastAbandoned), c.LastError ?? "",
                    }));
                return CommandOutput.Of(summary, clients, AdminJson.Context.IReadOnlyListLogoutNoticeClientView);
            }

            var page = await api.SendAsync(HttpMethod.Get, $"admin/logout-notices/{chosen}{CommandOptions.Query(parse, paging, ("clientId", parse.GetValue(client)))}",
                AdminJson.Context.PageLogoutNoticeView);
            var table = TextOutput.Table(
                ["NOTICE", "CLIENT", "SUBJECT", "SESSION", "CREATED", "ATTEMPTS", "LAST ERROR", "DELIVERED", "ABANDONED"],
                page.Items.Select(n => new[]
                {
                    n.Id.ToString(), n.ClientId, n.Subject, n.SessionId, TextOutput.Date(n.Created), TextOutput.Number(n.Attempts),
                    n.LastError ?? "", TextOutput.Date(n.Delivered), TextOutput.Date(n.Abandoned),
                }));
            return CommandOutput.Of(table + TextOutput.Footer(page), page, AdminJson.Context.PageLogoutNoticeView);
        });
        return command;
    }
}
