using AuthServer.Settings;
using Microsoft.Extensions.Options;

namespace AuthServer.BackchannelLogout;

public static class BackchannelLogoutSetup
{
    /// <summary>OIDC Back-Channel Logout 1.0: the queue's sender, and the logout token minter (the discovery flags: Protocol/ProtocolPipeline).</summary>
    public static IServiceCollection AddBackchannelLogout(this IServiceCollection services)
    {
        services.BindSettings<BackchannelLogoutOptions>(BackchannelLogoutOptions.Section);
        services.AddSingleton<IValidateOptions<BackchannelLogoutOptions>, BackchannelLogoutOptionsValidator>();

        services.AddSingleton<LogoutTokens>();
        services.AddHttpClient(LogoutNoticeSender.HttpClientName, (provider, client) =>
                client.Timeout = provider.GetRequiredService<IOptions<BackchannelLogoutOptions>>().Value.Timeout)
            // A client's endpoint answers itself; following its redirects would let it point the server anywhere.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddHostedService<LogoutNoticeSender>();
        return services;
    }
}
