using AuthServer.Settings;

namespace AuthServer.Revocation;

public static class RevocationSetup
{
    /// <summary>Bulk and chain revocation, security-event revocation (see UsersSetup) and pruning; the handlers are in Protocol/ProtocolPipeline.</summary>
    public static IServiceCollection AddRevocation(this IServiceCollection services)
    {
        services.BindSettings<RevocationOptions>(RevocationOptions.Section);
        services.BindSettings<PruningOptions>(PruningOptions.Section);

        services.AddScoped<TokenRevoker>();
        services.AddScoped<TokenPruner>();
        services.AddSingleton<PruningStatus>();
        services.AddHostedService<PruningService>();
        return services;
    }
}
