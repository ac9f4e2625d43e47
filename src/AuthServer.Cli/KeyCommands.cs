using System.CommandLine;
using AuthServer.Contracts.Admin;

namespace AuthServer.Cli;

/// <summary>`keys list|rotate|revoke`: the server's signing and encryption keys, and the two emergency actions.</summary>
internal static class KeyCommands
{
    public static Command Create(CommandRunner run) =>
        new("keys", "Signing and encryption keys; emergency rotation and revocation") { List(run), Rotate(run), Revoke(run) };

    private static Command List(CommandRunner run)
    {
        var command = new Command("list", "Keys: kid, use, algorithm, state, dates");
        run.SetAction(command, async (parse, api) =>
        {
            var list = await api.SendAsync(HttpMethod.Get, "admin/keys", AdminJson.Context.KeyList);
            var text = Table(list) + $"Keys: {list.Source}. Announced keys are published before they sign; retired ones stay published until their tokens expire.\n";
            return CommandOutput.Of(text, list, AdminJson.Context.KeyList);
        });
        return command;
    }

    private static Command Rotate(CommandRunner run)
    {
        var now = new Option<bool>("--now") { Description = "Required: this is the emergency rotation (the server rotates on its own schedule)" };
        var use = new Option<string>("--use") { Description = "Only the keys of one use (default: all three)" };
        use.AcceptOnlyFromAmong("access", "identity", "encryption");
        var command = new Command("rotate", "Emergency rotation: new keys published at once and signing seconds later, the old ones retired") { now, use };
        command.Validators.Add(result =>
        {
            if (!result.GetValue(now))
            {
                result.AddError("keys rotate needs --now: it is the emergency rotation (the server rotates on its own schedule).");
            }
        });
        run.SetAction(command, async (parse, api) =>
        {
            var body = AdminApi.Body(new RotateKeysRequest(parse.GetValue(use)), AdminJson.Context.RotateKeysRequest);
            var rotated = await api.SendAsync(HttpMethod.Post, "admin/keys/rotate", AdminJson.Context.KeyList, body);
            var text = Table(rotated) + RotationNote(rotated);
            return CommandOutput.Of(text, rotated, AdminJson.Context.KeyList);
        });
        return command;
    }

    private static Command Revoke(CommandRunner run)
    {
        var kid = new Argument<string>("kid") { Description = "The key id, as `keys list` shows it" };
        var command = new Command("revoke", "Emergency revocation: unpublished, what it signed or encrypted refused") { kid };
        run.SetAction(command, async (parse, api) =>
        {
            var id = parse.GetRequiredValue(kid);
            var revoked = await api.SendAsync(HttpMethod.Post, $"admin/keys/{TextOutput.Segment(id)}/revoke", AdminJson.Context.KeyEntry);
            return CommandOutput.Of(
                $"Key {id} revoked: unpublished, and what it signed or encrypted is refused (every instance within Keys:RefreshInterval, every API on the revocation feed within its poll interval).\n", revoked, AdminJson.Context.KeyEntry);
        });
        return command;
    }

    /// <summary>The server delays signing by its publication delay (the new keys' activation time says how long), so every API holds them first.</summary>
    private static string RotationNote(KeyList rotated)
    {
        var activates = rotated.Keys.Select(k => k.Activates).Max();
        return activates is { } at && at > DateTime.UtcNow
            ? $"Published now; they sign from {TextOutput.Date(at)} UTC (the server's Keys:PublicationDelay), so every instance and every API on the revocation feed holds them before the first token they sign. The previous keys stay valid until their tokens expire.\n"
            : "Active now; every instance uses them within the server's Keys:RefreshInterval. The previous keys stay valid until their tokens expire.\n";
    }

    private static string Table(KeyList list) => TextOutput.Table(["KID", "USE", "ALG", "STATE", "CREATED", "ACTIVATES", "RETIRED", "REMOVES", "REVOKED"],
        list.Keys.Select(k => new[]
        {
            k.Kid, k.Use, k.Algorithm, k.State, TextOutput.Date(k.Created), TextOutput.Date(k.Activates), TextOutput.Date(k.Retired), TextOutput.Date(k.Removes), TextOutput.Date(k.Revoked),
        }));
}
