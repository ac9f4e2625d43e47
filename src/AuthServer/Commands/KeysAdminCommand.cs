using System.Globalization;
using System.Text.Json;
using AuthServer.Admin;
using AuthServer.Contracts;
using AuthServer.Contracts.Admin;
using AuthServer.Keys;

namespace AuthServer.Commands;

/// <summary>
/// `keys list|rotate --now|revoke KID` on the server binary: straight on the database, for when the admin API is out of
/// reach (or its own token is signed by the key to revoke). Running instances pick the change up within Keys:RefreshInterval.
/// </summary>
public static class KeysAdminCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(ServerCommand command, IServiceProvider services, TextWriter output, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(command);
        var source = services.GetRequiredService<KeyRingSource>();
        var keys = services.GetRequiredService<ManagedKeys>();
        var actor = $"operator {Environment.UserName} (server CLI)";
        if (command.Verb != ServerCommand.KeysList && source.Source != KeySource.Automatic)
        {
            errors.WriteLine("Keys come from files: rotation and revocation apply to automatic keys (docs/operations.md, \"Key files\").");
            return ExitCodes.Failure;
        }

        switch (command.Verb)
        {
            case ServerCommand.KeysList:
                var list = await KeyAdmin.ListAsync(source, keys, CancellationToken.None);
                Write(list.Keys, command.Json, output, $"Keys: {list.Source}.");
                return ExitCodes.Success;

            case ServerCommand.KeysRotate:
                if (command.Argument is { } use && !KeyUses.All.Contains(use, StringComparer.Ordinal))
                {
                    errors.WriteLine($"--use must be one of {string.Join(", ", KeyUses.All)}.");
                    return ExitCodes.Usage;
                }

                var rotated = await keys.RotateNowAsync(command.Argument is { } one ? [one] : KeyUses.All, actor, CancellationToken.None);
                Write([.. rotated.Select(KeyEntries.From)], command.Json, output,
                    rotated.Max(k => k.ActivatesAt) > DateTime.UtcNow
                        ? "Published now on this database; every running instance publishes it within Keys:RefreshInterval and signs and encrypts with it from its ACTIVATES time (Keys:PublicationDelay), so APIs on the revocation feed hold it first. The previous keys stay valid until their tokens expire."
                        : "Active now on this database; every running instance signs and encrypts with it within Keys:RefreshInterval. The previous keys stay valid until their tokens expire.");
                return ExitCodes.Success;

            default:
                if (await keys.RevokeAsync(command.Argument!, actor, CancellationToken.None) is not { } revoked)
                {
                    errors.WriteLine($"No managed key has the kid '{command.Argument}' (`keys list` shows them).");
                    return ExitCodes.NotFound;
                }

                Write([KeyEntries.From(revoked)], command.Json, output,
                    "Revoked: every running instance unpublishes it and refuses what it signed or encrypted within Keys:RefreshInterval, and APIs on the revocation feed drop it within their poll interval; an active key was replaced at once.");
                return ExitCodes.Success;
        }
    }

    private static void Write(IReadOnlyList<KeyEntry> keys, bool json, TextWriter output, string footer)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(keys, Json));
            return;
        }

        string[] headers = ["KID", "USE", "ALG", "STATE", "GEN", "CREATED", "ACTIVATES", "RETIRED", "REMOVES", "REVOKED"];
        var rows = keys.Select(k => new[]
        {
            k.Kid, k.Use, k.Algorithm, k.State, k.Generation?.ToString(CultureInfo.InvariantCulture) ?? "", Date(k.Created), Date(k.Activates),
            Date(k.Retired), Date(k.Removes), Date(k.Revoked),
        }).ToList();
        var widths = headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(headers))
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }

        output.WriteLine(footer);
    }

    private static string Date(DateTime? date) => date?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "";
}
