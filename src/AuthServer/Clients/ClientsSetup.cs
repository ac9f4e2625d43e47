namespace AuthServer.Clients;

public static class ClientsSetup
{
    public static IServiceCollection AddClients(this IServiceCollection services)
    {
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<CatalogOptions>, CatalogValidator>();
        services.AddSingleton<ScopeCatalog>();
        services.AddHostedService<CatalogSync>();
        return services;
    }
}
