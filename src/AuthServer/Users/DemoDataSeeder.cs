using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthServer.Users;

/// <summary>
/// Creates the documented demo users when DemoData:Seed is on; existing users are left untouched. Outside Development
/// it runs only when forced (<see cref="DemoDataValidator"/> stops the server otherwise).
/// </summary>
public sealed partial class DemoDataSeeder(IServiceProvider services, IOptions<DemoDataOptions> options, IHostEnvironment environment, ILogger<DemoDataSeeder> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Seed)
        {
            return;
        }

        if (!environment.IsDevelopment())
        {
            // At every start, so a forced seed on a shared stage is never forgotten.
            LogSeedingOutsideDevelopment(logger, environment.EnvironmentName);
        }

        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();

        foreach (var demo in options.Value.Users)
        {
            if (await users.FindByNameAsync(demo.UserName) is not null)
            {
                continue;
            }

            foreach (var role in demo.Roles.Where(role => !roles.Roles.Any(r => r.Name == role)))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), role);
            }

            var user = new IdentityUser { UserName = demo.UserName, Email = demo.Email, EmailConfirmed = true };
            Check(await users.CreateAsync(user, demo.Password), demo.UserName);
            if (demo.Roles.Count > 0)
            {
                Check(await users.AddToRolesAsync(user, demo.Roles), demo.UserName);
            }

            LogSeeded(logger, demo.UserName);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Demo data '{what}' could not be created: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Demo data is seeded outside Development ({Environment}) because DemoData:AllowOutsideDevelopment is on")]
    private static partial void LogSeedingOutsideDevelopment(ILogger logger, string environment);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Demo user {UserName} created")]
    private static partial void LogSeeded(ILogger logger, string userName);
}
