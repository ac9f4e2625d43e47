using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AuthServer.Contracts;

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
internal sealed class AdminApi(HttpClient http, Uri server, string clientId, string clientSecret)
{
    private const string TokenPath = "connect/token";
    private const string OperatorScope = "ops";
    private string? _accessToken;

    /// <summary>A call whose answer has a body, read into its typed record.</summary>
    public async Task<T> SendAsync<T>(HttpMethod method, string path, JsonTypeInfo<T> answer, HttpContent? body = null)
    {
        using var response = await SendCoreAsync(method, path, body);
        return await response.Content.ReadFromJsonAsync(answer)
            ?? throw new CliException(ExitCodes.Failure, $"The server answered {(int)response.StatusCode} without a body.");
    }

    /// <summary>A call answered 204 (lock, unlock, reset-password, delete).</summary>
    public async Task SendAsync(HttpMethod method, string path, HttpContent? body = null) => (await SendCoreAsync(method, path, body)).Dispose();

    public static HttpContent Body<T>(T value, JsonTypeInfo<T> type) => JsonContent.Create(value, type);

    private async Task<HttpResponseMessage> SendCoreAsync(HttpMethod method, string path, HttpContent? body)
    {
        _accessToken ??= await GetTokenAsync();
        using var request = new HttpRequestMessage(method, new Uri(server, path)) { Content = body };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
        var response = await http.SendAsync(request);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var problem = await ReadAsync(response, AdminJson.Context.Problem);
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => new CliException(ExitCodes.Unauthorized,
                    "The server refused the access token (401). Check that --url names the server that issued it."),
                HttpStatusCode.Forbidden => new CliException(ExitCodes.Unauthorized,
                    $"Client '{clientId}' may not use the admin API (403): its token lacks the '{OperatorScope}' scope."),
                HttpStatusCode.NotFound => new CliException(ExitCodes.NotFound, Describe(problem, "Not found.")),
                HttpStatusCode.BadRequest => new CliException(ExitCodes.Rejected, Describe(problem, "The server rejected the request.")),
                _ => new CliException(ExitCodes.Failure, $"The server answered {(int)response.StatusCode}: {Describe(problem, response.ReasonPhrase ?? "error")}"),
            };
        }
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
        var answer = await ReadAsync(response, AdminJson.Context.TokenResponse);
        if (response.IsSuccessStatusCode && answer?.AccessToken is { Length: > 0 } token)
        {
            return token;
        }

        throw (answer?.Error, response.StatusCode) switch
        {
            ("invalid_client", _) => new CliException(ExitCodes.Unauthorized, $"The server refused the credentials of client '{clientId}' (invalid_client)."),

            // RFC 6749 §5.2: invalid_scope (or invalid_request from older servers) when the client lacks the scope; any refusal here is an authorization failure.
            ({ } error, HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) => new CliException(ExitCodes.Unauthorized,
                $"The server refused an operator token (scope '{OperatorScope}') to client '{clientId}': {error} {answer?.ErrorDescription}".TrimEnd()),
            _ => new CliException(ExitCodes.Failure, $"No access token: the server answered {(int)response.StatusCode} {answer?.Error}."),
        };
    }

    /// <summary>An error body is read when it is JSON; anything else (a proxy's HTML page) leaves the status code to speak.</summary>
    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type)
        where T : class
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return text.Length == 0 ? null : JsonSerializer.Deserialize(text, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Problem details to one line: title, detail, and validation errors.</summary>
    private static string Describe(Problem? problem, string fallback)
    {
        if (problem is null)
        {
            return fallback;
        }

        List<string> parts = [.. new[] { problem.Title, problem.Detail }.OfType<string>().Where(p => p.Length > 0)];
        parts.AddRange(problem.Errors?.SelectMany(e => e.Value.Length == 0 ? [e.Key] : e.Value) ?? []);
        return parts.Count == 0 ? fallback : string.Join(": ", parts.Take(2)) + string.Concat(parts.Skip(2).Select(p => " " + p));
    }
}
