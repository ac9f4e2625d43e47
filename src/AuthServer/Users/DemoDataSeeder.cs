using AuthServer.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
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

        foreach (var demo in options.Value.Users)
        {
            await SeedAsync(demo, cancellationToken);
        }
    }

    /// <summary>
    /// One demo user with their roles, in one transaction. Instances starting together race for the same rows: the loser's
    /// transaction fails on the unique indexes (or Identity's own check), and it then finds the winner's user and moves on.
    /// </summary>
    private async Task SeedAsync(DemoUser demo, CancellationToken cancellationToken)
    {
        try
        {
            // A fresh scope: after a lost race, the failed context still tracks the rows it could not write.
            await using var scope = services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            if (await users.FindByNameAsync(demo.UserName) is not null)
            {
                return;
            }

            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            await UnitOfWork.RunAsync(scope.ServiceProvider.GetRequiredService<AuthDbContext>(), async _ =>
            {
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

                return true;
            }, cancellationToken);
            LogSeeded(logger, demo.UserName);
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException)
        {
            if (!await SeededElsewhereAsync(demo))
            {
                throw;
            }

            LogSeededElsewhere(logger, demo.UserName);
        }
    }

    private async Task<bool> SeededElsewhereAsync(DemoUser demo)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync(demo.UserName) is not null;
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

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "Demo user {UserName} was created by another instance starting at the same time")]
    private static partial void LogSeededElsewhere(ILogger logger, string userName);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Demo user {UserName} created")]
    private static partial void LogSeeded(ILogger logger, string userName);
}
