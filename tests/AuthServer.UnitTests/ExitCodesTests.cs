using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using AuthServer.Contracts;

namespace AuthServer.UnitTests;

/// <summary>
/// Both tools' exit codes are one table in code and one in docs/operations.md ("Exit codes"): scripts read the doc, so a
/// code added, renumbered or dropped in one shows here until the other follows.
/// </summary>
public sealed partial class ExitCodesTests
{
    [Fact]
    public void The_documented_table_lists_every_code_and_no_other()
    {
        var inCode = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetRawConstantValue()!).Order();

        var operations = File.ReadAllText(Path.Combine(ArchitectureTests.Root, "docs", "operations.md"));
        var section = operations[operations.IndexOf("\n### Exit codes\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n#", 1, StringComparison.Ordinal)];
        var documented = TableRow().Matches(section).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order();

        Assert.Equal(inCode, documented);
    }

    [GeneratedRegex(@"^\| (\d+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
