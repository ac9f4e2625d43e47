using AuthServer.Account;
using AuthServer.Admin;
using AuthServer.Authorization;
using AuthServer.BackchannelLogout;
using AuthServer.Clients;
using AuthServer.Commands;
using AuthServer.Contracts;
using AuthServer.Cors;
using AuthServer.Dpop;
using AuthServer.ErrorHandling;
using AuthServer.Health;
using AuthServer.Hosting;
using AuthServer.Keys;
using AuthServer.Login;
using AuthServer.Observability;
using AuthServer.OperatorsConsole;
using AuthServer.Pages;
using AuthServer.Passkeys;
using AuthServer.Persistence;
using AuthServer.Protocol;
using AuthServer.Revocation;
using AuthServer.Sessions;
using AuthServer.SharedSignals;
using AuthServer.Throttling;
using AuthServer.Tokens;
using AuthServer.Users;
using Serilog;

Log.Logger = LoggingSetup.CreateBootstrapLogger();
try
{
    var command = ServerCommand.Parse(args);
    if (CommandRunner.WithoutHost(command) is { } done)
    {
        return done;
    }

    var builder = WebApplication.CreateBuilder(command.HostArgs);
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
        .AddKeys(builder.Environment)
        .AddTokenServer(builder.Configuration, builder.Environment)
        .AddDpop()
        .AddCallerTokens()
        .AddRevocation()
        .AddBackchannelLogout()
        .AddSharedSignals()
        .AddSessions()
        .AddLogin()
        .AddPasskeys()
        .AddAccountPage()
        .AddOperatorsConsole()
        .AddPages()
        .AddBrowserCors()
        .AddAdmin()
        .AddHealth()
        .AddTelemetry(builder.Configuration);

    await using var app = builder.Build();
    if (await CommandRunner.BeforeServingAsync(command, app.Services) is { } exitCode)
    {
        return exitCode;
    }

    app.UseRequestsInFlight();
    app.UseTrustedForwardedHeaders();
    app.UseClientAddressInLogs();
    app.UseSecurityHeaders();
    app.UseRequestLogging();
    app.UseProtocolErrors();
    app.UseIssuerHostOnly();
    app.UseRequestLimits();
    app.UseNoTokensInQueryString();
    app.UseBearerHeaderSpacing();
    app.UseDpopAtServerEndpoints();
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
    app.MapAccountPage();
    app.MapOperatorsConsoleIfEnabled();
    app.MapAuthorizeEndpoint();
    app.MapEndSessionEndpoint();
    app.MapUserInfoEndpoint();
    app.MapSharedSignals();
    app.MapHealth();
    app.MapMetrics();

    await app.RunAsync();
    return ExitCodes.Success;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    // The operator needs the reason; the stack trace is for whoever turns on Debug.
    Log.Fatal("AuthServer stopped: {Reason}", ex.Message);
    Log.Debug(ex, "AuthServer stopped");
    return ExitCodes.Failure;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>Visible to the test host (WebApplicationFactory).</summary>
public partial class Program;
