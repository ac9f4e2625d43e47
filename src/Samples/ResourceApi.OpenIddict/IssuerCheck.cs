using AuthServer.ResourceServer;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;

/// <summary>
/// OpenIddict fetches the authority's discovery document at the first request and, when that fails, answers every
/// request 500 with an empty body. Fetched once before listening instead, so a mistyped authority (nothing answers,
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
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or OperationCanceledException or OpenIddictExceptions.ProtocolException)
        {
            settings.Add("AuthServer:Authority", $"'{authority}' did not answer with a discovery document: {Reason(ex)}");
        }

        return settings.Verify(app);
    }

    /// <summary>OpenIddict's own words (the configuration manager wraps them in a message that carries a stack trace).</summary>
    private static string Reason(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is OpenIddictExceptions.ProtocolException { ErrorDescription: { Length: > 0 } description })
            {
                return description;
            }
        }

        return exception.Message.Split('\r', '\n')[0];
    }
}
