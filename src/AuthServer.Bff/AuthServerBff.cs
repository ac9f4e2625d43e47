using AuthServer.Bff.Endpoints;
using AuthServer.Bff.Proxy;
using AuthServer.Bff.Sessions;
using AuthServer.Bff.Tokens;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;

namespace AuthServer.Bff;

/// <summary>Turns an ASP.NET Core host into a first-party SPA's backend-for-frontend: <see cref="AddAuthServerBff(IServiceCollection, IConfiguration)"/> then <see cref="MapAuthServerBff"/>.</summary>
public static class AuthServerBff
{
    /// <summary>Every instance of one BFF must share it, with the key ring, to read each other's cookies and sessions.</summary>
    public const string DataProtectionApplicationName = "AuthServer.Bff";

    /// <summary>Binds <see cref="AuthServerBffOptions"/> from <paramref name="section"/> (validated at start).</summary>
    public static IServiceCollection AddAuthServerBff(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return services.AddAuthServerBff(options => section.Bind(options));
    }

    public static IServiceCollection AddAuthServerBff(this IServiceCollection services, Action<AuthServerBffOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<AuthServerBffOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthServerBffOptions>, AuthServerBffOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // The store (the DbContext type, where the key ring lives) and the ring's protection decide registrations, so they are read now.
        // A value that does not convert is reported with every other problem when the options are validated at start.
        var probe = new AuthServerBffOptions();
        try
        {
            configure(probe);
        }
        catch (InvalidOperationException)
        {
            probe = new AuthServerBffOptions();
        }

        switch (probe.SessionStore)
        {
            case BffSessionStore.Memory:
                services.AddSingleton<ISessionStore, MemorySessionStore>();
                break;
            case BffSessionStore.SqlServer:
                AddDatabase<SqlServerBffDbContext>(services, (_, builder, connection) => builder.UseSqlServer(connection));
                break;
            default:
                AddDatabase<SqliteBffDbContext>(services, (provider, builder, connection) =>
                    builder.UseSqlite(InContentRoot(connection, provider.GetRequiredService<IHostEnvironment>().ContentRootPath)));
                break;
        }

        // Wherever the ring is kept, it is encrypted as Bff:DataProtection says (refused at start outside Development when not).
        services.AddDataProtection().ProtectKeyRing(probe.DataProtection);

        // Ahead of the host's own pipeline, so they hold whether or not the host remembers a Use call.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, BffRequestLimits>());

        services.AddSingleton<SessionTickets>();
        services.AddSingleton<SessionTicketStore>();
        services.AddSingleton<AuthorityClient>();
        services.AddSingleton<AccessTokens>();
        services.AddHttpClient(AuthorityClient.HttpClientName, (provider, client) =>
                client.Timeout = provider.GetRequiredService<IOptions<AuthServerBffOptions>>().Value.BackchannelTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CookieAuthenticationOptions>, ConfigureBffCookie>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<OpenIdConnectOptions>, ConfigureBffOpenIdConnect>());
        services.AddAuthentication().AddCookie(BffSchemes.Cookie).AddOpenIdConnect(BffSchemes.OpenIdConnect, _ => { });

        services.AddReverseProxy().AddTransforms(ApiProxy.AddTransforms);
        services.AddSingleton<IProxyConfigProvider, ApiRoutes>();
        return services;
    }

    /// <summary>Maps login, user, logout and back-channel logout under /bff, and the API proxy under each configured prefix.</summary>
    public static IEndpointRouteBuilder MapAuthServerBff(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        BffEndpoints.Map(app);
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(ApiProxy.GateAsync);
            proxy.UseLoadBalancing();
        });
        return app;
    }

    /// <summary>A relative SQLite file is the host's, wherever it was started from (as the server's App_Data is).</summary>
    private static string InContentRoot(string connectionString, string contentRoot)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode != SqliteOpenMode.Memory && builder.DataSource is { Length: > 0 } file && file != ":memory:" && !Path.IsPathRooted(file))
        {
            builder.DataSource = Path.Combine(contentRoot, file);
        }

        return builder.ToString();
    }

    private static void AddDatabase<TContext>(IServiceCollection services, Action<IServiceProvider, DbContextOptionsBuilder, string> use)
        where TContext : BffDbContext
    {
        services.AddDbContextFactory<TContext>((provider, builder) =>
            use(provider, builder, provider.GetRequiredService<IOptions<AuthServerBffOptions>>().Value.ConnectionString!));
        services.AddSingleton<ISessionStore>(provider =>
        {
            var contexts = provider.GetRequiredService<IDbContextFactory<TContext>>();
            return new DatabaseSessionStore(contexts.CreateDbContext);
        });
        services.AddHostedService<BffDatabaseInitializer<TContext>>();

        // After the migrations, so the ring's table exists.
        services.AddHostedService<BffKeyRingCheck>();

        // Cookies, session tickets and OIDC state must decrypt on every instance: one key ring, in the session database,
        // protected at rest (Bff:DataProtection) because a reader of that database would otherwise hold every session.
        services.AddDataProtection().SetApplicationName(DataProtectionApplicationName).PersistKeysToDbContext<TContext>();
    }
}
