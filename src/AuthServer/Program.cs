using AuthServer.Authorization;
using AuthServer.Clients;
using AuthServer.Cors;
using AuthServer.ErrorHandling;
using AuthServer.Health;
using AuthServer.Login;
using AuthServer.Observability;
using AuthServer.Persistence;
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
        .AddProtocolErrors()
        .AddPersistence(builder.Configuration, builder.Environment)
        .AddClients()
        .AddUsers()
        .AddTokenServer()
        .AddLogin()
        .AddBrowserCors()
        .AddHealth();

    var app = builder.Build();
    if (args.Contains("migrate"))
    {
        await DatabaseInitializer.MigrateAsync(app.Services, CancellationToken.None);
        return 0;
    }

    app.UseProtocolErrors();
    app.UseRequestLogging();
    app.UseBrowserCors();
    app.UseAuthentication();

    app.MapTokenEndpoint();
    app.MapLoginPage();
    app.MapAuthorizeEndpoint();
    app.MapEndSessionEndpoint();
    app.MapUserInfoEndpoint();
    app.MapHealth();

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
