using System.Collections.Concurrent;
using System.Net;
using AuthServer.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Serilog.Core;
using Serilog.Events;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// The real server over its real HTTP pipeline, on its own SQLite file and key folder, with a clock the
/// test moves. Only configuration is overridden; one factory per test class, so no class sees another's data.
/// </summary>
public class AuthServerFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new(StringComparer.Ordinal);

    public AuthServerFactory()
    {
        Folder = Directory.CreateTempSubdirectory("authserver-tests-").FullName;
        Set("Database:ConnectionString", DefaultDatabase);
        Set("Keys:DevelopmentKeyFolder", Path.Combine(Folder, "keys"));
        Set("Serilog:MinimumLevel:Default", "Verbose");
        // OpenIddict's debug and trace events are dropped by the server whatever the level (they print tokens), so creating
        // them only costs; LogRedactionTests turns them on to prove the drop.
        Set("Serilog:MinimumLevel:Override:OpenIddict", "Information");
        Set("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Information");
        // Everything is captured in LogEvents; the console (nobody reads a test host's) gets warnings only.
        Set("Serilog:WriteTo:0:Args:restrictedToMinimumLevel", "Warning");

        // Every request of the test host comes from one (unknown) address; the abuse tests set their own limits.
        Set("Throttling:SignInsPerSourcePerMinute", "100000");
    }

    /// <summary>
    /// The test host has no TCP peer; a request carrying this header arrives as if from that address, before the
    /// forwarded-headers middleware runs (so a test can be a direct client or a configured proxy).
    /// </summary>
    public const string PeerHeader = "X-Test-Peer";

    /// <summary>Where this server keeps its database and keys.</summary>
    public string Folder { get; }

    private string DefaultDatabase => $"Data Source={Path.Combine(Folder, "auth.db")}";

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>
    /// The server runs on the real clock instead of <see cref="Clock"/>: for the tests that meet a background loop's
    /// intervals as a deployment does (one per loop; the others move <see cref="Clock"/>). Set before the server starts.
    /// </summary>
    public bool WallClock { get; init; }

    /// <summary>Every log event the server wrote, rendered, for the redaction and audit tests.</summary>
    public ConcurrentQueue<LogEvent> LogEvents { get; } = new();

    /// <summary>Why this server cannot run here (its database is absent), or null; tests built on it then report skipped.</summary>
    public virtual string? UnavailableReason => null;

    /// <summary>A client on this server; skips the calling test when the server cannot run here.</summary>
    public TokenClient CreateTokenClient()
    {
        SkipIfUnavailable();
        return new TokenClient(CreateClient());
    }

    /// <summary>Reports the calling test skipped, with <see cref="UnavailableReason"/>, when the server cannot run here.</summary>
    public void SkipIfUnavailable()
    {
        if (UnavailableReason is { } unavailable)
        {
            Assert.Skip(unavailable);
        }
    }

    /// <summary>Overrides one configuration value; call before the first request.</summary>
    public AuthServerFactory Set(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public async Task<IdentityUser> CreateUserAsync(string? password = null, string? userName = null)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var name = userName ?? $"user-{Guid.NewGuid():N}"[..16];
        var user = new IdentityUser { UserName = name, Email = $"{name}@example.test", EmailConfirmed = true };
        var result = await users.CreateAsync(user, password ?? TestUsers.Password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        return user;
    }

    public async Task WithUsersAsync(Func<UserManager<IdentityUser>, Task> action)
    {
        using var scope = Services.CreateScope();
        await action(scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>());
    }

    public async Task<T> WithDbAsync<T>(Func<AuthDbContext, Task<T>> query)
    {
        using var scope = Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<AuthDbContext>());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        DevelopmentKeyTemplate.CopyInto(_settings["Keys:DevelopmentKeyFolder"]);
        if (_settings["Database:ConnectionString"] == DefaultDatabase)
        {
            SchemaTemplate.CopyTo(Path.Combine(Folder, "auth.db"));
        }

        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(WallClock ? TimeProvider.System : Clock);
            services.AddSingleton<ILogEventSink>(new QueueSink(LogEvents));
            services.AddSingleton<IStartupFilter, PeerAddressFilter>();
            // Same algorithm and format, a hundredth of the work: no test measures the hash's cost (HashingLimitTests gates
            // its hasher instead), and at 100,000 iterations hashing was a seventh of the suite's CPU.
            services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1000);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open is removed with the temp folder later; the test result does not depend on it.
            }
        }
    }

    private sealed class PeerAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[PeerHeader], out var peer))
                {
                    context.Connection.RemoteIpAddress = peer;
                }

                return following(context);
            });
            next(app);
        };
    }

    private sealed class QueueSink(ConcurrentQueue<LogEvent> events) : ILogEventSink
    {
        public void Emit(LogEvent logEvent) => events.Enqueue(logEvent);
    }
}

public static class TestUsers
{
    public const string Password = "Test-Pass-1234!";
    public const string AlicePassword = "Alice-Demo-Pass1";
    public const string BobPassword = "Bob-Demo-Pass1!";
}
