using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuthServer.Contracts.SharedSignals;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AuthServer.ResourceServer;

/// <summary>
/// The revocation feed's HTTP conversation with the transmitter (SSF 1.0): its metadata, a client-credentials token,
/// this instance's stream, the polls, and the stream's deletion at shutdown. Remembers what it learnt until told to forget.
/// </summary>
internal sealed class FeedConnection(IHttpClientFactory http, IssuerKeys keys, TimeProvider clock, AuthServerJwtOptions options)
{
    private readonly RevocationFeedSettings _settings = options.RevocationFeed;
    private Uri? _configurationEndpoint;
    private string? _accessToken;
    private DateTimeOffset _accessTokenExpires;
    private Uri? _pollEndpoint;
    private string? _streamId;

    /// <summary>Metadata, token and stream, each fetched only when missing. True when a new stream was created.</summary>
    public async Task<bool> ConnectAsync(CancellationToken cancellationToken)
    {
        var configuration = await MetadataAsync(cancellationToken);
        await EnsureTokenAsync(configuration, cancellationToken);
        return await EnsureStreamAsync(cancellationToken);
    }

    public async Task<HttpResponseMessage> PollAsync(Dictionary<string, object> body, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Post, _pollEndpoint!);
        request.Content = JsonContent.Create(body);
        return await Client().SendAsync(request, cancellationToken);
    }

    /// <summary>The token was refused: a new one is fetched before the next request.</summary>
    public void ForgetToken() => _accessToken = null;

    /// <summary>The stream is gone (pruned, or dropped for a newer one): a new one is created before the next poll.</summary>
    public void ForgetStream() => _streamId = null;

    /// <summary>SSF 1.0 §8.1.1.5: a stopping instance drops its stream; if this fails the server prunes it once idle.</summary>
    public async Task DeleteStreamAsync(CancellationToken cancellationToken)
    {
        if (_streamId is null || _configurationEndpoint is null || _accessToken is null)
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var request = Authorized(HttpMethod.Delete, new Uri($"{_configurationEndpoint}?stream_id={Uri.EscapeDataString(_streamId)}"));
            using var response = await Client().SendAsync(request, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // Best effort only.
        }
    }

    /// <summary>Renewed a minute early (or at half its life if shorter), so a poll never carries a token about to expire.</summary>
    public static DateTimeOffset RenewAt(DateTimeOffset issuedAt, TimeSpan lifetime) =>
        issuedAt + (lifetime > TimeSpan.FromMinutes(2) ? lifetime - TimeSpan.FromMinutes(1) : lifetime / 2);

    private async Task<OpenIdConnectConfiguration> MetadataAsync(CancellationToken cancellationToken)
    {
        var configuration = await keys.GetConfigurationAsync(cancellationToken);
        if (_configurationEndpoint is null)
        {
            // SSF 1.0 §7.2: the transmitter's metadata sits beside the issuer; its issuer must be the one we trust.
            var authority = options.Authority!.AbsoluteUri.TrimEnd('/');
            var ssf = await Client().GetFromJsonAsync<JsonElement>(new Uri(authority + "/.well-known/ssf-configuration"), cancellationToken);
            if (FeedEvent.Text(ssf, "issuer") != configuration.Issuer || FeedEvent.Text(ssf, "configuration_endpoint") is not { } endpoint)
            {
                throw new InvalidOperationException("The SSF configuration names another issuer or no configuration endpoint.");
            }

            _configurationEndpoint = new Uri(endpoint);
        }

        return configuration;
    }

    private async Task EnsureTokenAsync(OpenIdConnectConfiguration configuration, CancellationToken cancellationToken)
    {
        if (_accessToken is not null && clock.GetUtcNow() < _accessTokenExpires)
        {
            return;
        }

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = _settings.ClientId!,
            ["client_secret"] = _settings.ClientSecret!,
            ["scope"] = _settings.Scope,
        });
        using var response = await Client().PostAsync(new Uri(configuration.TokenEndpoint), form, cancellationToken);
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        _accessToken = FeedEvent.Text(token, "access_token") ?? throw new InvalidOperationException("The token response has no access token.");
        var lifetime = TimeSpan.FromSeconds(token.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt32(out var seconds) ? seconds : 300);
        _accessTokenExpires = RenewAt(clock.GetUtcNow(), lifetime);
    }

    private async Task<bool> EnsureStreamAsync(CancellationToken cancellationToken)
    {
        if (_streamId is not null)
        {
            return false;
        }

        using var request = Authorized(HttpMethod.Post, _configurationEndpoint!);
        request.Content = JsonContent.Create(new Dictionary<string, object>
        {
            ["delivery"] = new Dictionary<string, string> { ["method"] = DeliveryMethods.Poll },
            ["events_requested"] = new[] { EventTypes.SessionRevoked, EventTypes.KeyChange },
            ["description"] = $"{options.Audience} on {Environment.MachineName} ({Environment.ProcessId})",
        });
        using var response = await Client().SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            _accessToken = null;
        }

        response.EnsureSuccessStatusCode();
        var stream = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var endpoint = stream.TryGetProperty("delivery", out var delivery) ? FeedEvent.Text(delivery, "endpoint_url") : null;
        _pollEndpoint = endpoint is null ? throw new InvalidOperationException("The new stream has no poll endpoint.") : new Uri(endpoint);
        _streamId = FeedEvent.Text(stream, "stream_id");
        return true;
    }

    private HttpRequestMessage Authorized(HttpMethod method, Uri uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
        return request;
    }

    private HttpClient Client()
    {
        var client = http.CreateClient(RevocationFeed.HttpClientName);
        client.Timeout = _settings.RequestTimeout;
        return client;
    }
}
