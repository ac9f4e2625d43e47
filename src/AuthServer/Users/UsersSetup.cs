using AuthServer.Persistence;
using AuthServer.Settings;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthServer.Users;

public static class UsersSetup
{
    public static IServiceCollection AddUsers(this IServiceCollection services)
    {
        services.BindSettings<UserPolicyOptions>(UserPolicyOptions.Section);
        services.BindSettings<DemoDataOptions>(DemoDataOptions.Section);
        services.AddSingleton<IValidateOptions<DemoDataOptions>, DemoDataValidator>();

        services.AddIdentityCore<IdentityUser>()
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AuthDbContext>()
            .AddUserManager<Revocation.RevokingUserManager>()
            .AddUserValidator<UserKeys.Validator>()
            .AddSignInManager()
            .AddDefaultTokenProviders();

        services.AddOptions<IdentityOptions>().Configure<IOptions<UserPolicyOptions>>((identity, users) =>
        {
            // Lockout is an operator's lock only (admin API, CLI); failed passwords back off instead (Throttling/).
            identity.Lockout.AllowedForNewUsers = true;
            identity.Password.RequiredLength = users.Value.RequiredPasswordLength;
            // E-mail is optional; UserKeys.Validator keeps it unique when given (Identity's flag would also make it required).
            identity.User.RequireUniqueEmail = false;
            identity.User.AllowedUserNameCharacters = UserKeys.AllowedUserNameCharacters;
        });

        services.AddScoped<UserGate>();
        services.AddHostedService<DemoDataSeeder>();
        return services;
    }
}
