using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Admin;

/// <summary>
/// `page` and `pageSize` of the admin lists. The page number is bounded so that the rows it skips always fit the
/// 32-bit offset EF Core takes: `(page - 1) * pageSize` can never wrap round to an earlier page.
/// </summary>
internal static class Paging
{
    /// <summary>Far past any real list (a million pages), and small enough that the offset fits at every allowed page size.</summary>
    public const int MaxPage = 1_000_000;

    private const int DefaultPageSize = 50;

    public static ValidationProblem? Check(int? page, int? pageSize, AdminOptions options) =>
        page is < 1 or > MaxPage || pageSize is < 1 || pageSize > options.MaxPageSize
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["page"] = [$"page must be between 1 and {MaxPage} and pageSize between 1 and {options.MaxPageSize}."],
            })
            : null;

    /// <summary>The page number, its size and the rows before it; only for values <see cref="Check"/> accepted.</summary>
    public static (int Page, int Size, int Skip) Resolve(int? page, int? pageSize, AdminOptions options)
    {
        var number = page ?? 1;
        var size = pageSize ?? Math.Min(DefaultPageSize, options.MaxPageSize);
        return (number, size, checked((number - 1) * size));
    }
}
