using AuthServer.ResourceServer;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;

/// <summary>
/// The authority's discovery document would otherwise be fetched at the first request, and a failure there answers
/// every request with an error. Fetched once before listening instead, so a mistyped authority (nothing answers,
/// or a server with another issuer answers) stops the start with a message that names the setting.
/// </summary>
internal static class IssuerCheck
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);

    public static async Task<bool> VerifyAsync(WebApplication app, Uri authority, StartupSettings settings)
    {
        var options = app.Services.GetRequiredService<IOptionsMonitor<OpenIddictValidationOptions>>().CurrentValue;
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            var configuration = await options.ConfigurationManager!.GetConfigurationAsync(timeout.Token);
            if (configuration.Issuer == authority)
            {
                return true;
            }

            settings.Add("AuthServer:Authority", $"'{authority}' answers with the issuer '{configuration.Issuer}'; set the issuer the server announces.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or OperationCanceledException or OpenIddictExceptions.ProtocolException)
        {
            settings.Add("AuthServer:Authority", $"'{authority}' did not answer with a discovery document: {Reason(ex)}");
        }

        return settings.Verify(app);
    }

    /// <summary>The failure in a line: OpenIddict's own words, or the HTTP error (IdentityModel wraps it in a message with hidden values).</summary>
    private static string Reason(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is OpenIddictExceptions.ProtocolException { ErrorDescription: { Length: > 0 } description })
            {
                return description;
            }

            if (inner is HttpRequestException http)
            {
                return http.Message;
            }
        }

        return exception.Message.Split('\r', '\n')[0];
    }
}
