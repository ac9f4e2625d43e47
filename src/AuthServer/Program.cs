using AuthServer.Admin;
using AuthServer.Authorization;
using AuthServer.BackchannelLogout;
using AuthServer.Clients;
using AuthServer.Cors;
using AuthServer.ErrorHandling;
using AuthServer.Health;
using AuthServer.Hosting;
using AuthServer.Login;
using AuthServer.Observability;
using AuthServer.Pages;
using AuthServer.Persistence;
using AuthServer.Revocation;
using AuthServer.SharedSignals;
using AuthServer.Throttling;
using AuthServer.Tokens;
using AuthServer.Users;
using Microsoft.Extensions.Options;
using Serilog;

Log.Logger = LoggingSetup.CreateBootstrapLogger();
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddLogging();
    builder.Services
        .AddForwardedHeaders()
        .AddSecurityHeaders()
        .AddProtocolErrors()
        .AddRequestLimits()
        .AddPersistence(builder.Configuration, builder.Environment)
        .AddClients()
        .AddUsers()
        .AddThrottling()
        .AddTokenServer()
        .AddRevocation()
        .AddBackchannelLogout()
        .AddSharedSignals()
        .AddLogin()
        .AddPages()
        .AddBrowserCors()
        .AddAdmin()
        .AddHealth()
        .AddMetrics(builder.Configuration);

    var app = builder.Build();
    if (args.Contains("migrate"))
    {
        await DatabaseInitializer.MigrateAsync(app.Services, CancellationToken.None);
        return 0;
    }

    app.UseTrustedForwardedHeaders();
    app.UseClientAddressInLogs();
    app.UseSecurityHeaders();
    app.UseRequestLogging();
    app.UseProtocolErrors();
    app.UseIssuerHostOnly();
    app.UseRequestLimits();
    app.UseNoTokensInQueryString();
    app.UseBearerHeaderSpacing();
    app.UsePageAssets();
    app.UseBrowserCors();
    app.UseProtocolMethods();
    app.UseClientAuthenticationThrottle();
    app.UseAuthentication();
    app.UseAuthorization();
    app.UseAntiforgery();

    app.MapTokenEndpoint();
    app.MapAdmin();
    app.MapLoginPage();
    app.MapAuthorizeEndpoint();
    app.MapEndSessionEndpoint();
    app.MapUserInfoEndpoint();
    app.MapSharedSignals();
    app.MapHealth();
    app.MapMetrics();

    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    Log.Fatal("AuthServer cannot start, the configuration is invalid: {Failures}", string.Join(" ", ex.Failures));
    return 1;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "AuthServer stopped: {Reason}", ex.Message);
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>Visible to the test host (WebApplicationFactory).</summary>
public partial class Program;
