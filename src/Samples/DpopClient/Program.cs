// A native or server-side .NET client with DPoP (RFC 9449): its tokens are bound to a key only this process holds, so a
// copy of them is useless elsewhere. With the server and the sample API running (docs/getting-started.md):
//   dotnet run --project src/Samples/DpopClient -- [authority] [api]
using System.Net;
using System.Text.Json;
using AuthServer.Contracts.Dpop;

var authority = new Uri(args.ElementAtOrDefault(0) ?? "http://localhost:5000/");
var api = new Uri(args.ElementAtOrDefault(1) ?? "http://localhost:5080/api/me");

// DpopHandler signs a proof for each token request and each call sent with the DPoP scheme, and answers nonce requests.
using var key = new DpopSigner();
using var http = new HttpClient(new DpopHandler(key) { InnerHandler = new HttpClientHandler() });

try
{
    return await RunAsync();
}
catch (HttpRequestException exception)
{
    Console.Error.WriteLine($"{exception.Message}: start the server ({authority}) and the sample API ({api}) first (docs/getting-started.md).");
    return 1;
}

async Task<int> RunAsync()
{
    // The first-party `spa` client's password grant with the demo user; a native app would use the code flow with PKCE
    // and `dpop_jkt` (the key's thumbprint) at the authorization endpoint.
    using var tokenResponse = await http.PostAsync(new Uri(authority, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["grant_type"] = "password",
        ["client_id"] = "spa",
        ["username"] = Environment.GetEnvironmentVariable("DEMO_USER") ?? "alice",
        ["password"] = Environment.GetEnvironmentVariable("DEMO_PASSWORD") ?? "Alice-Demo-Pass1",
        ["scope"] = "openid offline_access api",
    }));
    using var tokens = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync());
    if (!tokenResponse.IsSuccessStatusCode)
    {
        Console.Error.WriteLine($"Token request refused: {(int)tokenResponse.StatusCode} {tokens.RootElement}");
        return 1;
    }

    var accessToken = tokens.RootElement.GetProperty("access_token").GetString()!;
    Console.WriteLine($"token_type {tokens.RootElement.GetProperty("token_type")}, bound to the key {key.Thumbprint}");

    using var call = new HttpRequestMessage(HttpMethod.Get, api) { Headers = { Authorization = new("DPoP", accessToken) } };
    using var answer = await http.SendAsync(call);
    Console.WriteLine($"{api} with a proof of the key: {(int)answer.StatusCode}");

    // What a thief holding a copy of the token gets: no key, no proof.
    using var thief = new HttpClient();
    using var copy = new HttpRequestMessage(HttpMethod.Get, api) { Headers = { Authorization = new("Bearer", accessToken) } };
    using var refused = await thief.SendAsync(copy);
    Console.WriteLine($"{api} with the same token copied, as a bearer token: {(int)refused.StatusCode}");
    return answer.IsSuccessStatusCode && refused.StatusCode == HttpStatusCode.Unauthorized ? 0 : 1;
}
