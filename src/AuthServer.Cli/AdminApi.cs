using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AuthServer.Cli;

/// <summary>A failure with the exit code and the one-line message the operator sees.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// The admin HTTP API, reached with a client-credentials access token (scope `ops`) fetched once per run.
/// Only protocol paths and the admin API are used: the tool shares no code with the server.
/// </summary>
public sealed class AdminApi(HttpClient http, Uri server, string clientId, string clientSecret)
{
    private const string TokenPath = "connect/token";
    private const string JwksPath = ".well-known/jwks";
    private const string OperatorScope = "ops";
    private string? _accessToken;

    public Uri Server => server;

    public async Task<JsonElement?> SendAsync(HttpMethod method, string path, object? body = null)
    {
        _accessToken ??= await GetTokenAsync();
        using var request = new HttpRequestMessage(method, new Uri(server, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request);
        var json = await ReadJsonAsync(response);
        return response.StatusCode switch
        {
            _ when response.IsSuccessStatusCode => json,
            HttpStatusCode.Unauthorized => throw new CliException(ExitCodes.Unauthorized,
                "The server refused the access token (401). Check that --url names the server that issued it."),
            HttpStatusCode.Forbidden => throw new CliException(ExitCodes.Unauthorized,
                $"Client '{clientId}' may not use the admin API (403): its token lacks the '{OperatorScope}' scope."),
            HttpStatusCode.NotFound => throw new CliException(ExitCodes.NotFound, Describe(json, "Not found.")),
            HttpStatusCode.BadRequest => throw new CliException(ExitCodes.Rejected, Describe(json, "The server rejected the request.")),
            _ => throw new CliException(ExitCodes.Failure, $"The server answered {(int)response.StatusCode}: {Describe(json, response.ReasonPhrase ?? "error")}"),
        };
    }

    /// <summary>The published signing keys: public protocol data, no token needed.</summary>
    public async Task<JsonElement> GetKeysAsync()
    {
        using var response = await http.GetAsync(new Uri(server, JwksPath));
        return response.IsSuccessStatusCode && await ReadJsonAsync(response) is { } keys
            ? keys
            : throw new CliException(ExitCodes.Failure, $"The server answered {(int)response.StatusCode} for its key set.");
    }

    private async Task<string> GetTokenAsync()
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
            ["scope"] = OperatorScope,
        });
        using var response = await http.PostAsync(new Uri(server, TokenPath), form);
        var json = await ReadJsonAsync(response);
        if (response.IsSuccessStatusCode && json?.TryGetProperty("access_token", out var token) == true && token.GetString() is { } value)
        {
            return value;
        }

        var error = json?.TryGetProperty("error", out var e) == true ? e.GetString() : null;
        var description = json?.TryGetProperty("error_description", out var d) == true ? d.GetString() : null;
        throw (error, response.StatusCode) switch
        {
            ("invalid_client", _) => new CliException(ExitCodes.Unauthorized, $"The server refused the credentials of client '{clientId}' (invalid_client)."),

            // OpenIddict answers invalid_request when the client lacks the scope permission; any refusal here is an authorization failure.
            (not null, HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) => new CliException(ExitCodes.Unauthorized,
                $"The server refused an operator token (scope '{OperatorScope}') to client '{clientId}': {error} {description}".TrimEnd()),
            _ => new CliException(ExitCodes.Failure, $"No access token: the server answered {(int)response.StatusCode} {error}."),
        };
    }

    private static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (text.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Problem details to one line: title, detail, and validation errors.</summary>
    private static string Describe(JsonElement? problem, string fallback)
    {
        if (problem is not { ValueKind: JsonValueKind.Object } json)
        {
            return fallback;
        }

        List<string> parts = [];
        foreach (var name in new[] { "title", "detail" })
        {
            if (json.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } text)
            {
                parts.Add(text);
            }
        }

        if (json.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            parts.AddRange(errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(m => m.GetString() ?? e.Name)));
        }

        return parts.Count == 0 ? fallback : string.Join(": ", parts.Take(2)) + string.Concat(parts.Skip(2).Select(p => " " + p));
    }
}
