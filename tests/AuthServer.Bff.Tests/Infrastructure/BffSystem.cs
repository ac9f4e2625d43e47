extern alias BffSample;
extern alias JwtBearerSample;
using System.Collections.Concurrent;
using System.Net;
using AuthServer.Bff.Sessions;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;

namespace AuthServer.Bff.Tests.Infrastructure;

/// <summary>
/// The whole system over real loopback HTTP: the authorization server (its own SQLite file, a clock the test moves),
/// the sample resource API, and one or more instances of the sample BFF sharing one SQLite session database, each
/// with a clock the test moves. No part talks to another except over HTTP, as in production.
/// </summary>
public sealed class BffSystem : IAsyncDisposable
{
    public const string ClientId = "bff";
    public const string ClientSecret = "bff-test-secret";

    private BffSystem(Server server, Api api, string folder)
    {
        AuthServer = server;
        ResourceApi = api;
        Folder = folder;
    }

    public Server AuthServer { get; }

    public Api ResourceApi { get; }

    public List<BffHost> Bffs { get; } = [];

    public BffHost Bff => Bffs[0];

    /// <summary>Where the BFFs' shared session database lives.</summary>
    public string Folder { get; }

    public Uri Issuer => AuthServer.Issuer;

    /// <summary>Starts the server, the API and <paramref name="instances"/> BFF instances on free loopback ports.</summary>
    /// <remarks>
    /// The ports are chosen before the hosts bind them (the server's catalog must name the BFFs' callbacks), so a client
    /// socket of a test running beside this one can take a port in between: the whole stack is then started again.
    /// </remarks>
    public static async Task<BffSystem> StartAsync(int instances = 1, Action<BffHost>? configureBff = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (server, stack) = (default(Server), default(BffSystem));
            try
            {
                var ports = Enumerable.Range(0, instances).Select(_ => RunningProcess.FreePort()).ToList();
                server = new Server(ports);
                server.StartServer();
                var api = new Api(server.Issuer);
                stack = new BffSystem(server, api, Directory.CreateTempSubdirectory("authserver-bff-").FullName);
                api.StartServer();
                foreach (var port in ports)
                {
                    var bff = new BffHost(port, server.Issuer, stack.BffSettings(api));
                    configureBff?.Invoke(bff);
                    stack.Bffs.Add(bff);
                    bff.StartServer();
                }

                return stack;
            }
            catch (IOException ex) when (attempt < 3 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                if (stack is not null)
                {
                    await stack.DisposeAsync();
                }
                else if (server is not null)
                {
                    await server.DisposeAsync();
                }
            }
        }
    }

    /// <summary>A BFF instance outside the stack (another authority, another store), sharing nothing but what is passed.</summary>
    public Dictionary<string, string?> BffSettings(Api api) => new(StringComparer.Ordinal)
    {
        ["Bff:Authority"] = Issuer.AbsoluteUri,
        ["Bff:RequireHttpsMetadata"] = "false",
        ["Bff:ClientId"] = ClientId,
        ["Bff:ClientSecret"] = ClientSecret,
        ["Bff:SessionStore"] = "Sqlite",
        ["Bff:ConnectionString"] = $"Data Source={Path.Combine(Folder, "bff.db")}",
        ["Bff:Apis:resource-api:PathPrefix"] = "/api",
        ["Bff:Apis:resource-api:Destination"] = api.Address.AbsoluteUri,
        ["Bff:Apis:down:PathPrefix"] = "/down",
        ["Bff:Apis:down:Destination"] = $"http://127.0.0.1:{DeadPort}/",
    };

    /// <summary>A port nothing listens on for the length of the run (taken once, so "down" stays down).</summary>
    public static int DeadPort { get; } = RunningProcess.FreePort();

    /// <summary>The number of refresh_token grants the server issued to the BFF client (audit event 2001).</summary>
    public int RefreshesAtServer() => AuthServer.LogEvents.Count(e =>
        LogEventIds.Of(e) == 2001 && Text(e, "GrantType") == "refresh_token" && Text(e, "ClientId") == ClientId);

    private static string? Text(LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: string text } ? text : null;

    public async ValueTask DisposeAsync()
    {
        foreach (var bff in Bffs)
        {
            await bff.DisposeAsync();
        }

        await ResourceApi.DisposeAsync();
        await AuthServer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder cleanup; the result does not depend on it.
        }
    }

    /// <summary>The real server on Kestrel, with the BFF registered as a confidential client for every instance's port.</summary>
    public sealed class Server : AuthServerFactory
    {
        public Server(IReadOnlyList<int> bffPorts)
        {
            var port = RunningProcess.FreePort();
            Issuer = new Uri($"http://localhost:{port}/");
            UseKestrel();
            Set(WebHostDefaults.ServerUrlsKey, $"http://127.0.0.1:{port}");
            Set("Tokens:Issuer", Issuer.AbsoluteUri);
            Set($"Catalog:Clients:{ClientId}:ClientSecret", ClientSecret);
            for (var i = 0; i < bffPorts.Count; i++)
            {
                Set($"Catalog:Clients:{ClientId}:RedirectUris:{i}", $"http://localhost:{bffPorts[i]}/bff/signin-oidc");
                Set($"Catalog:Clients:{ClientId}:PostLogoutRedirectUris:{i}", $"http://localhost:{bffPorts[i]}/bff/signout-callback-oidc");
            }

            // Delivered only when a test moves the server's clock (the sender's timer runs on it).
            Set($"Catalog:Clients:{ClientId}:BackchannelLogoutUri", $"http://localhost:{bffPorts[0]}/bff/backchannel-logout");
            Set("BackchannelLogout:PollInterval", "00:00:01");
            Set("BackchannelLogout:Timeout", "00:00:05");
        }

        public Uri Issuer { get; }

        public HttpClient Http() => new() { BaseAddress = Issuer, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The sample resource API (JwtBearer) on Kestrel, trusting the server through discovery over HTTP.</summary>
    public sealed class Api : WebApplicationFactory<JwtBearerSample::Program>
    {
        private readonly Uri _issuer;

        public Api(Uri issuer)
        {
            _issuer = issuer;
            var port = RunningProcess.FreePort();
            Address = new Uri($"http://127.0.0.1:{port}/");
            UseKestrel();
        }

        public Uri Address { get; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Development");
            builder.UseSetting(WebHostDefaults.ServerUrlsKey, Address.AbsoluteUri.TrimEnd('/'));
            builder.UseSetting("AuthServer:Authority", _issuer.AbsoluteUri);
            builder.UseSetting("AuthServer:RequireHttpsMetadata", "false");
        }
    }
}

/// <summary>One instance of the sample BFF on Kestrel at http://localhost:{port}, with its own clock.</summary>
public sealed class BffHost : WebApplicationFactory<BffSample::Program>
{
    private readonly Dictionary<string, string?> _settings;

    public BffHost(int port, Uri issuer, Dictionary<string, string?> settings)
    {
        Port = port;
        Issuer = issuer;
        _settings = settings;
        Address = new Uri($"http://localhost:{port}/");
        UseKestrel();
    }

    public int Port { get; }

    public Uri Issuer { get; }

    public Uri Address { get; }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Services a test replaces or adds after the sample's own (a fault injected at a chosen point).</summary>
    public Action<IServiceCollection>? TestServices { get; set; }

    /// <summary>Every message this instance logged, at every level, for the check that no token is ever written.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    public BffHost Set(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>What the session row behind a cookie holds, decrypted with this instance's key ring (tests only).</summary>
    public async Task<AuthenticationTicket?> TicketAsync(string sessionKey)
    {
        var row = await Services.GetRequiredService<ISessionStore>().FindAsync(sessionKey, CancellationToken.None);
        return row is null ? null : Services.GetRequiredService<SessionTickets>().Unprotect(sessionKey, row.Ticket);
    }

    /// <summary>Every live session's key (tests only: the cookie itself is encrypted).</summary>
    public async Task<List<string>> SessionKeysAsync()
    {
        using var scope = Services.CreateScope();
        var contexts = scope.ServiceProvider.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<SqliteBffDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        return [.. db.Sessions.Select(s => s.Key)];
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting(WebHostDefaults.ServerUrlsKey, $"http://127.0.0.1:{Port}");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseSetting("Logging:LogLevel:Default", "Trace");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILoggerProvider>(new QueueLoggerProvider(Logs));
            TestServices?.Invoke(services);
        });
    }
}

/// <summary>Renders every log message (and its exception) into a queue.</summary>
public sealed class QueueLoggerProvider(ConcurrentQueue<string> messages) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new QueueLogger(categoryName, messages);

    public void Dispose()
    {
    }

    private sealed class QueueLogger(string category, ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue($"{category} {eventId.Id}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>Fetch-style calls from the SPA: the anti-forgery header set, as the sample's app.js does.</summary>
public static class Spa
{
    public static HttpRequestMessage Call(HttpMethod method, string path, bool withHeader = true)
    {
        var request = new HttpRequestMessage(method, path);
        if (withHeader)
        {
            request.Headers.Add(AuthServer.Bff.BffPaths.CsrfHeader, AuthServer.Bff.BffPaths.CsrfHeaderValue);
        }

        return request;
    }

    public static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther
        or HttpStatusCode.TemporaryRedirect;
}
