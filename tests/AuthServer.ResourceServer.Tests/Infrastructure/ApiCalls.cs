using System.Net;
using System.Net.Http.Headers;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.ResourceServer.Tests.Infrastructure;

/// <summary>Calls of a sample API's protected endpoint with a bearer token, as a client makes them.</summary>
public static class ApiCalls
{
    public static async Task<HttpStatusCode> StatusAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>A token of a key the API has not seen yet: the first call triggers the one allowed JWKS refresh, which may finish in the background.</summary>
    public static Task UntilAcceptedAsync(HttpClient client, string token) =>
        Eventually.TrueAsync(async () => await StatusAsync(client, token) == HttpStatusCode.OK,
            "The token signed with the new key was never accepted", TimeSpan.FromSeconds(5));
}
