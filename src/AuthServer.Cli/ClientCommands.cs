using System.CommandLine;
using AuthServer.Contracts.Admin;

namespace AuthServer.Cli;

/// <summary>`rotate-secret`: a client's new secret, with an overlap for the old one.</summary>
internal static class ClientCommands
{
    public static IEnumerable<Command> Create(CommandRunner run) => [RotateSecret(run)];

    private static Command RotateSecret(CommandRunner run)
    {
        var client = CommandOptions.Required("--client", "The client id");
        var overlap = CommandOptions.WholeNumber("--overlap-minutes",
            "How long the old secret keeps working (default and maximum: the server's Catalog:SecretOverlap; 0 ends it now)");
        var command = new Command("rotate-secret", "A new client secret, shown once") { client, overlap };
        run.SetAction(command, async (parse, api) =>
        {
            var body = AdminApi.Body(new RotateSecretRequest(parse.GetValue(overlap)), AdminJson.Context.RotateSecretRequest);
            var rotated = await api.SendAsync(HttpMethod.Post, $"admin/clients/{TextOutput.Segment(parse.GetRequiredValue(client))}/rotate-secret",
                AdminJson.Context.RotatedSecret, body);

            // The one time the new secret is shown: printed alone on its line, so a script can take it without parsing prose.
            var text = $"New secret of client {rotated.ClientId} (shown once; store it now):\n{rotated.ClientSecret}\n" +
                $"The previous secret works until {TextOutput.Date(rotated.PreviousSecretValidUntil)} UTC.\n";
            return CommandOutput.Of(text, rotated, AdminJson.Context.RotatedSecret);
        });
        return command;
    }
}
