using AuthServer.Bff;
using AuthServer.ResourceServer;

var builder = WebApplication.CreateBuilder(args);
// Every missing or invalid setting is reported at once, before the BFF listens (exit code 2).
var settings = new StartupSettings(builder.Configuration, "docs/spa.md").Section<AuthServerBffOptions>(AuthServerBffOptions.Section);

// Traces and metrics (ASP.NET Core, HttpClient, runtime), exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
builder.AddAuthServerTelemetry();

// Sign-in, session cookie, token storage and refresh, the API proxy: all in this one call.
builder.Services.AddAuthServerBff(builder.Configuration.GetSection(AuthServerBffOptions.Section));

var app = builder.Build();
if (!settings.Verify(app))
{
    return StartupSettings.InvalidConfiguration;
}

app.Use((context, next) =>
{
    // The page needs nothing from another origin: every call goes to its own BFF, so no CORS and no token in JavaScript.
    var headers = context.Response.Headers;
    headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";
    headers["Referrer-Policy"] = "no-referrer";
    headers.XContentTypeOptions = "nosniff";
    return next(context);
});
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapAuthServerBff();

await app.RunAsync();
return 0;

/// <summary>Visible to the test host (WebApplicationFactory), referenced there through an extern alias.</summary>
public partial class Program;
