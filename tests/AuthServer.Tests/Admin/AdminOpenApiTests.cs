using System.Text.Json;
using System.Text.Json.Nodes;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>
/// The admin API's OpenAPI document, as the running server serves it, is the committed
/// `docs/admin-openapi.json`, so a change to the API shows in review. After an intended change, regenerate it with
/// `AUTHSERVER_WRITE_OPENAPI=1 dotnet test tests/AuthServer.Tests --filter-class *AdminOpenApiTests`.
/// </summary>
public sealed class AdminOpenApiTests(AdminServerFactory server) : IClassFixture<AdminServerFactory>
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private static string CommittedPath => Path.GetFullPath(Path.Combine(ServerProcess.ContentRoot, "..", "..", "docs", "admin-openapi.json"));

    [Fact]
    public async Task The_served_document_is_the_committed_one()
    {
        var served = Normalize((await new AdminClient(server.CreateClient()).OkAsync(HttpMethod.Get, "/admin/openapi/admin.json")).GetRawText());
        CommittedFile.AssertMatches(CommittedPath, served, "AUTHSERVER_WRITE_OPENAPI", nameof(AdminOpenApiTests), Normalize);
    }

    /// <summary>The servers list names the test host's address; everything else is the API's shape.</summary>
    private static string Normalize(string json)
    {
        var document = JsonNode.Parse(json)!.AsObject();
        document.Remove("servers");
        return document.ToJsonString(s_indented).ReplaceLineEndings("\n") + "\n";
    }
}
