using System.CommandLine;
using System.Globalization;

namespace AuthServer.Cli;

/// <summary>The option shapes several commands share, so a typo fails the same way everywhere (before any network).</summary>
internal static class CommandOptions
{
    public static Option<string> Required(string name, string description)
    {
        var option = new Option<string>(name) { Description = description, Required = true };
        option.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError($"{name} needs a value.");
            }
        });
        return option;
    }

    /// <summary>Digits only: "-1", "1e3" or "ten" are usage errors here, not a surprise at the server.</summary>
    public static Option<int?> WholeNumber(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }

            result.AddError($"{name} must be a whole number, not '{text}'.");
            return null;
        },
    };

    public static Option<string> User() => Required("--user", "The user: id, user name or email");

    /// <summary>The paging of every listing; the server judges the range (page size 0 is rejected there, exit 6).</summary>
    public static (Option<int?> Page, Option<int?> PageSize) Paging() =>
        (WholeNumber("--page", "Page number, from 1"), WholeNumber("--page-size", "Rows per page (the server caps it)"));

    public static string Query(ParseResult parse, (Option<int?> Page, Option<int?> PageSize) paging, params (string Name, string? Value)[] more)
    {
        var parts = new (string Name, string? Value)[]
        {
            ("page", parse.GetValue(paging.Page)?.ToString(CultureInfo.InvariantCulture)),
            ("pageSize", parse.GetValue(paging.PageSize)?.ToString(CultureInfo.InvariantCulture)),
        }.Concat(more).Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    /// <summary>A password from exactly one source: `--password-stdin` (kept out of `ps` and shell history) or the visible `--password`.</summary>
    public static (Option<string> Password, Option<bool> FromStdin) Password(Command command, string what)
    {
        var password = new Option<string>("--password") { Description = $"The {what} (visible in ps and shell history: prefer --password-stdin)" };
        var fromStdin = new Option<bool>("--password-stdin") { Description = $"Read the {what} from standard input" };
        command.Add(password);
        command.Add(fromStdin);
        command.Validators.Add(result =>
        {
            var (given, stdin) = (result.GetResult(password) is not null, result.GetValue(fromStdin));
            if (given == stdin)
            {
                result.AddError(given ? "Give --password or --password-stdin, not both." : "The password is missing: pass --password-stdin (or --password).");
            }
        });
        return (password, fromStdin);
    }

    public static async Task<string> ReadPasswordAsync(CommandRunner run, ParseResult parse, (Option<string> Password, Option<bool> FromStdin) options) =>
        parse.GetValue(options.FromStdin)
            ? await run.ReadSecretFromInputAsync("password")
            : parse.GetValue(options.Password) is { Length: > 0 } password ? password : throw new UsageException("--password is empty.");
}
