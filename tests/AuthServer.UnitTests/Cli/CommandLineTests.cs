using System.CommandLine;
using AuthServer.Contracts;

namespace AuthServer.UnitTests.Cli;

/// <summary>The CLI's command tree without a server: what parses, what is a usage error, and the exit codes of both.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void A_listing_parses_into_its_command_options_and_global_switches()
    {
        var parsed = AuthServer.Cli.Cli.Parse("users", "list", "--search", "ali", "--page=2", "--page-size", "50", "--json");

        Assert.Empty(parsed.Errors);
        Assert.Equal("list", parsed.CommandResult.Command.Name);
        Assert.Equal("users", ((Command)parsed.CommandResult.Command.Parents.Single()).Name);
        Assert.Equal("ali", parsed.GetValue<string>("--search"));
        Assert.Equal(2, parsed.GetValue<int?>("--page"));
        Assert.Equal(50, parsed.GetValue<int?>("--page-size"));
        Assert.True(parsed.GetValue<bool>("--json"));
    }

    [Theory]
    [InlineData("revoke-session", "3f9c")]
    [InlineData("keys", "revoke", "kid-1")]
    public void A_positional_identifier_is_the_commands_argument(params string[] args)
    {
        var parsed = AuthServer.Cli.Cli.Parse(args);

        Assert.Empty(parsed.Errors);
        Assert.Equal(args[^1], Assert.Single(parsed.CommandResult.Tokens).Value);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("-?")]
    public void Help_is_asked_for_in_the_usual_spellings(string spelling) =>
        Assert.NotNull(AuthServer.Cli.Cli.Parse("keys", "rotate", spelling).GetResult("--help"));

    [Theory]
    [InlineData(new[] { "revoke", "--user" }, "Required argument missing for option: '--user'.")]
    [InlineData(new[] { "revoke" }, "revoke needs exactly one of --user or --client.")]
    [InlineData(new[] { "revoke", "--user", "a", "--client", "b" }, "revoke needs exactly one of --user or --client.")]
    [InlineData(new[] { "lock", "--user", "" }, "--user needs a value.")]
    [InlineData(new[] { "sessions" }, "Option '--user' is required.")]
    [InlineData(new[] { "users", "list", "--page", "-1" }, "--page must be a whole number, not '-1'.")]
    [InlineData(new[] { "users", "list", "--page", "ten" }, "--page must be a whole number, not 'ten'.")]
    [InlineData(new[] { "rotate-secret", "--client", "spa", "--overlap-minutes", "1e3" }, "--overlap-minutes must be a whole number, not '1e3'.")]
    [InlineData(new[] { "prune", "--force", "yes" }, "Unrecognized command or argument '--force'.")]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'.")]
    [InlineData(new[] { "keys", "rotate" }, "keys rotate needs --now: it is the emergency rotation (the server rotates on its own schedule).")]
    [InlineData(new[] { "users", "create", "--name", "dave" }, "The password is missing: pass --password-stdin (or --password).")]
    [InlineData(new[] { "users", "reset-password", "--user", "dave", "--password", "x", "--password-stdin" }, "Give --password or --password-stdin, not both.")]
    public void A_mistake_is_a_parse_error_in_words(string[] args, string message) =>
        Assert.Contains(message, AuthServer.Cli.Cli.Parse(args).Errors.Select(e => e.Message));

    [Fact]
    public void A_key_use_outside_the_three_is_refused()
    {
        Assert.NotEmpty(AuthServer.Cli.Cli.Parse("keys", "rotate", "--now", "--use", "signing").Errors);
        Assert.Empty(AuthServer.Cli.Cli.Parse("keys", "rotate", "--now", "--use", "identity").Errors);
    }

    [Fact]
    public void The_password_may_come_from_standard_input_alone()
    {
        var parsed = AuthServer.Cli.Cli.Parse("users", "create", "--name", "dave", "--password-stdin");

        Assert.Empty(parsed.Errors);
        Assert.True(parsed.GetValue<bool>("--password-stdin"));
    }

    [Fact]
    public void Connection_options_are_accepted_on_every_command()
    {
        var parsed = AuthServer.Cli.Cli.Parse("keys", "list", "--url", "http://localhost:5000", "--client-id", "ops", "--client-secret", "s");

        Assert.Empty(parsed.Errors);
        Assert.Equal("http://localhost:5000", parsed.GetValue<string>("--url"));
    }

    [Fact]
    public async Task A_parse_error_exits_64_with_the_message_on_standard_error_and_nothing_on_standard_output()
    {
        var (code, output, error) = await RunAsync(["sessions", "--user", "alice", "--page", "x"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Contains("error: --page must be a whole number, not 'x'.", error, StringComparison.Ordinal);
        Assert.Contains("authserver --help", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_connection_setting_exits_64_before_any_network()
    {
        var (code, _, error) = await RunAsync(["prune"]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(AuthServer.Cli.Cli.UrlVariable, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_standard_input_for_the_password_exits_64_before_any_network()
    {
        // Port 9 (discard) would answer "unreachable", exit 3: exit 64 (usage) proves the password was checked first.
        var (code, _, error) = await RunAsync(
            ["users", "create", "--name", "dave", "--password-stdin", "--url", "http://127.0.0.1:9/", "--client-id", "ops", "--client-secret", "s"], input: "\n");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("No password on standard input.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_exits_0_with_the_generated_commands_the_connection_and_the_exit_codes()
    {
        var (code, output, _) = await RunAsync(["--help"]);

        Assert.Equal(ExitCodes.Success, code);
        foreach (var expected in new[] { "revoke-session <session-id>", "keys", "--json", "AUTHSERVER_CLIENT_SECRET", "Exit codes (the server binary's too): 0 ok", "64 usage" })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }

        var (_, createHelp, _) = await RunAsync(["users", "create", "--help"]);
        Assert.Contains("--password-stdin", createHelp, StringComparison.Ordinal);
        Assert.Contains("--json", createHelp, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string input = "")
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var code = await AuthServer.Cli.Cli.RunAsync(args, output, error, http: null, environment: _ => null, input: reader);
        return (code, output.ToString(), error.ToString());
    }
}
