using System.Globalization;
using System.Text;
using AuthServer.Contracts.Admin;

namespace AuthServer.Cli;

/// <summary>Tables and dates for people; scripts use --json.</summary>
internal static class TextOutput
{
    public static string Table(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => all.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in all.Prepend(headers))
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString();
    }

    public static string Footer<T>(Page<T> page)
    {
        var pages = Math.Max(1, (page.Total + page.PageSize - 1) / Math.Max(1, page.PageSize));
        return string.Create(CultureInfo.InvariantCulture, $"Page {page.PageNumber} of {pages} ({page.Total} in all).\n");
    }

    /// <summary>Dates to the second, in UTC as the server keeps them.</summary>
    public static string Date(DateTime? value) => value?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    public static string Date(DateTimeOffset? value) => Date(value?.UtcDateTime);

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Identifiers typed by the operator become one path segment each.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);
}
