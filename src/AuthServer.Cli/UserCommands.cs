using System.CommandLine;
using AuthServer.Contracts.Admin;

namespace AuthServer.Cli;

/// <summary>`users list|create|reset-password|delete`, `lock`, `unlock`.</summary>
internal static class UserCommands
{
    public static IEnumerable<Command> Create(CommandRunner run) =>
        [new Command("users", "Accounts: list, create, reset a password, delete") { List(run), Add(run), ResetPassword(run), Delete(run) }, Lock(run, "lock"), Lock(run, "unlock")];

    private static Command List(CommandRunner run)
    {
        var search = new Option<string>("--search") { Description = "Part of the user name or email" };
        var paging = CommandOptions.Paging();
        var command = new Command("list", "Users, with their lockout status") { search, paging.Page, paging.PageSize };
        run.SetAction(command, async (parse, api) =>
        {
            var page = await api.SendAsync(HttpMethod.Get, "admin/users" + CommandOptions.Query(parse, paging, ("search", parse.GetValue(search))), AdminJson.Context.PageUserView);
            var rows = page.Items.Select(u => new[] { u.Id, u.UserName ?? "", u.Email ?? "", u.LockedOut ? "locked" : "" });
            return CommandOutput.Of(TextOutput.Table(["ID", "USER", "EMAIL", "STATUS"], rows) + TextOutput.Footer(page), page, AdminJson.Context.PageUserView);
        });
        return command;
    }

    private static Command Add(CommandRunner run)
    {
        var name = CommandOptions.Required("--name", "The user name");
        var email = new Option<string>("--email") { Description = "The email address" };
        var command = new Command("create", "Create a user with a password") { name, email };
        var password = CommandOptions.Password(command, "password");
        run.SetAction(command, async (parse, api) =>
        {
            var body = new CreateUserRequest(parse.GetRequiredValue(name), parse.GetValue(email), await CommandOptions.ReadPasswordAsync(run, parse, password));
            var created = await api.SendAsync(HttpMethod.Post, "admin/users", AdminJson.Context.UserView, AdminApi.Body(body, AdminJson.Context.CreateUserRequest));
            return CommandOutput.Of($"Created user {body.UserName} with id {created.Id}.\n", created, AdminJson.Context.UserView);
        });
        return command;
    }

    private static Command ResetPassword(CommandRunner run)
    {
        var user = CommandOptions.User();
        var command = new Command("reset-password", "Set a new password; revokes the user's sessions") { user };
        var password = CommandOptions.Password(command, "new password");
        run.SetAction(command, async (parse, api) =>
        {
            var (name, body) = (parse.GetRequiredValue(user), new ResetPasswordRequest(await CommandOptions.ReadPasswordAsync(run, parse, password)));
            await api.SendAsync(HttpMethod.Post, $"admin/users/{TextOutput.Segment(name)}/reset-password", AdminApi.Body(body, AdminJson.Context.ResetPasswordRequest));
            return Done($"Password of {name} reset; their sessions are revoked.\n", name, "password-reset");
        });
        return command;
    }

    private static Command Delete(CommandRunner run)
    {
        var user = CommandOptions.User();
        var command = new Command("delete", "Delete a user; revokes their sessions") { user };
        run.SetAction(command, async (parse, api) =>
        {
            var name = parse.GetRequiredValue(user);
            await api.SendAsync(HttpMethod.Delete, $"admin/users/{TextOutput.Segment(name)}");
            return Done($"User {name} deleted; their sessions are revoked.\n", name, "deleted");
        });
        return command;
    }

    private static Command Lock(CommandRunner run, string verb)
    {
        var user = CommandOptions.User();
        var command = new Command(verb, verb == "lock" ? "Lock the account; revokes its sessions" : "Unlock the account") { user };
        run.SetAction(command, async (parse, api) =>
        {
            var name = parse.GetRequiredValue(user);
            await api.SendAsync(HttpMethod.Post, $"admin/users/{TextOutput.Segment(name)}/{verb}");
            return Done(verb == "lock" ? $"User {name} is locked; their sessions are revoked.\n" : $"User {name} is unlocked.\n", name, verb + "ed");
        });
        return command;
    }

    private static CommandOutput Done(string sentence, string user, string status) =>
        CommandOutput.Of(sentence, new UserStatus(user, status), AdminJson.Context.UserStatus);
}
