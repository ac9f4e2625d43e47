using AuthServer.Settings;

namespace AuthServer.Account;

public static class AccountSetup
{
    /// <summary>The signed-in user's own page, and the history of their account that it shows.</summary>
    public static IServiceCollection AddAccountPage(this IServiceCollection services)
    {
        services.BindSettings<AccountOptions>(AccountOptions.Section);
        services.AddScoped<AccountHistory>();
        services.AddScoped<AccountService>();
        return services;
    }
}
