using AuthServer.Settings;

namespace AuthServer.Revocation;

public static class RevocationSetup
{
    /// <summary>RFC 7009 chain revocation, bulk revocation, security-event revocation (see UsersSetup), replay audit and pruning.</summary>
    public static IServiceCollection AddRevocation(this IServiceCollection services)
    {
        services.BindSettings<RevocationOptions>(RevocationOptions.Section);
        services.BindSettings<PruningOptions>(PruningOptions.Section);

        services.AddScoped<TokenRevoker>();
        services.AddScoped<TokenPruner>();
        services.AddHostedService<PruningService>();

        services.AddOpenIddict().AddServer(server => server
            .AddEventHandler(AccessTokensAreNotRevocable.Descriptor)
            .AddEventHandler(RevokeChainOnRefreshTokenRevocation.Descriptor)
            .AddEventHandler(RefreshReplayAudit.NoteDescriptor)
            .AddEventHandler(RefreshReplayAudit.ReportDescriptor));
        return services;
    }
}
