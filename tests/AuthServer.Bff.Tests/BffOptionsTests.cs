using AuthServer.Bff.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace AuthServer.Bff.Tests;

/// <summary>Settings that could never work, or would be unsafe, stop the BFF at start; the schema never drifts from the model.</summary>
public sealed class BffOptionsTests
{
    [Fact]
    public void Valid_development_settings_pass()
    {
        Assert.True(Validate(Valid(), Environments.Development).Succeeded);
    }

    [Theory]
    [InlineData("http-authority", "Bff:Authority must use HTTPS")]
    [InlineData("no-offline-access", "Bff:Scope must include openid and offline_access")]
    [InlineData("no-connection-string", "Bff:ConnectionString is required")]
    [InlineData("plain-cookie-name", "Bff:CookieName must start with __Host-")]
    [InlineData("timeout-beyond-lease", "Bff:BackchannelTimeout must be positive and shorter than RefreshLease")]
    [InlineData("api-under-bff", "Bff:Apis:orders:PathPrefix")]
    [InlineData("http-api", "Bff:Apis:orders:Destination must use HTTPS outside Development")]
    [InlineData("relaxed-https", "Bff:RequireHttpsMetadata may be false only in Development")]
    public void An_unsafe_or_unworkable_setting_is_refused_in_production_with_its_name(string change, string message)
    {
        var options = Valid();
        options.Authority = new Uri("https://auth.example.com/");
        options.RequireHttpsMetadata = true;
        options.Apis["orders"] = new BffApi { PathPrefix = "/orders", Destination = new Uri("https://orders.internal/") };
        switch (change)
        {
            case "http-authority":
                options.Authority = new Uri("http://auth.example.com/");
                break;
            case "no-offline-access":
                options.Scope = "openid profile";
                break;
            case "no-connection-string":
                options.ConnectionString = null;
                break;
            case "plain-cookie-name":
                options.CookieName = "session";
                break;
            case "timeout-beyond-lease":
                options.BackchannelTimeout = options.RefreshLease;
                break;
            case "api-under-bff":
                options.Apis["orders"].PathPrefix = "/bff/orders";
                break;
            case "http-api":
                options.Apis["orders"].Destination = new Uri("http://orders.internal/");
                break;
            case "relaxed-https":
                options.RequireHttpsMetadata = false;
                break;
        }

        var result = Validate(options, Environments.Production);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, failure => failure.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_memory_store_needs_no_connection_string()
    {
        var options = Valid();
        options.SessionStore = BffSessionStore.Memory;
        options.ConnectionString = null;
        Assert.True(Validate(options, Environments.Development).Succeeded);
    }

    [Fact]
    public void Both_providers_migrations_match_the_model()
    {
        using var sqlite = new SqliteDesignTimeFactory().CreateDbContext([]);
        Assert.False(sqlite.Database.HasPendingModelChanges(), "Add a SQLite migration (docs/decisions/011-bff-session-store.md).");
        using var sqlServer = new SqlServerDesignTimeFactory().CreateDbContext([]);
        Assert.False(sqlServer.Database.HasPendingModelChanges(), "Add a SQL Server migration (docs/decisions/011-bff-session-store.md).");
    }

    private static AuthServerBffOptions Valid() => new()
    {
        Authority = new Uri("http://localhost:5000/"),
        RequireHttpsMetadata = false,
        ClientId = "bff",
        ClientSecret = "secret",
        ConnectionString = "Data Source=bff.db",
    };

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(AuthServerBffOptions options, string environment) =>
        new AuthServerBffOptionsValidator(new HostingEnvironment { EnvironmentName = environment }).Validate(null, options);
}
