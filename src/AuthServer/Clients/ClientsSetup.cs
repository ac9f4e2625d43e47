using AuthServer.Settings;
namespace AuthServer.Clients;

public static class ClientsSetup
{
    public static IServiceCollection AddClients(this IServiceCollection services)
    {
        services.BindSettings<CatalogOptions>(CatalogOptions.Section);
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<CatalogOptions>, CatalogValidator>();
        services.AddSingleton<ScopeCatalog>();
        services.AddHostedService<CatalogSync>();
        return services;
    }
}
