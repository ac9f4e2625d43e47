using AuthServer.Cli;

namespace AuthServer.UnitTests.Cli;

/// <summary>The CLI's argument parsing, without a server.</summary>
public sealed class ArgumentsTests
{
    [Fact]
    public void Words_options_and_switches_are_told_apart()
    {
        var parsed = Arguments.Parse(["users", "list", "--search", "ali", "--page=2", "--json"]);

        Assert.Equal(["users", "list"], parsed.Words);
        Assert.Equal("ali", parsed.Option("search"));
        Assert.Equal(2, parsed.Number("page"));
        Assert.True(parsed.Json);
        Assert.False(parsed.Help);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("help")]
    public void Help_is_asked_for_in_three_spellings(string spelling) => Assert.True(Arguments.Parse([spelling]).Help);

    [Fact]
    public void An_option_without_its_value_is_a_usage_error() =>
        Assert.Equal("--user needs a value.", Assert.Throws<UsageException>(() => Arguments.Parse(["revoke", "--user"])).Message);

    [Theory]
    [InlineData("-1")]
    [InlineData("ten")]
    [InlineData("1e3")]
    public void A_page_must_be_a_whole_number(string value) =>
        Assert.Throws<UsageException>(() => Arguments.Parse(["users", "list", "--page", value]).Number("page"));

    [Fact]
    public void An_unknown_option_is_reported_not_ignored()
    {
        var parsed = Arguments.Parse(["prune", "--force", "yes", "--url", "http://localhost:5000"]);

        Assert.Equal("Unknown option(s): --force.", Assert.Throws<UsageException>(() => parsed.OnlyKnown()).Message);
    }

    [Fact]
    public void A_required_option_that_is_empty_is_missing() =>
        Assert.Equal("--user is required.", Assert.Throws<UsageException>(() => Arguments.Parse(["lock", "--user="]).Required("user")).Message);
}
