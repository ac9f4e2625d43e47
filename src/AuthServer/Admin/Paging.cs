using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Admin;

internal static class Paging
{
    private const int DefaultPageSize = 50;

    public static ValidationProblem? Check(int? page, int? pageSize, AdminOptions options) =>
        page is < 1 || pageSize is < 1 || pageSize > options.MaxPageSize
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["page"] = [$"page must be 1 or more and pageSize between 1 and {options.MaxPageSize}."],
            })
            : null;

    public static (int Page, int Size) Resolve(int? page, int? pageSize, AdminOptions options) =>
        (page ?? 1, pageSize ?? Math.Min(DefaultPageSize, options.MaxPageSize));
}
