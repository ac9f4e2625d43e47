using AuthServer.ResourceServer;

var builder = WebApplication.CreateBuilder(args);
// Every missing or invalid setting is reported at once, before the API listens (exit code 2).
var settings = new StartupSettings(builder.Configuration);
var scope = settings.Required("Api:RequiredScope");
var reportsScope = settings.Required("Api:ReportsScope");
var adminRole = settings.Required("Api:AdminRole");

// Traces and metrics (ASP.NET Core, HttpClient, runtime), exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
builder.AddAuthServerTelemetry();

// Issuer, audience, typ at+jwt, algorithms, lifetime, key caching and the revocation feed (AuthServer:RevocationFeed): all in this one call.
builder.Services.AddAuthServerJwtBearer(builder.Configuration.GetSection(AuthServerJwtOptions.Section));

// Browser apps on other origins (the sample SPA) call this API directly: CORS for exactly the configured origins, with the
// headers a DPoP call needs; none configured, no CORS at all.
var browserOrigins = builder.Configuration.GetSection("Api:BrowserOrigins").Get<string[]>() ?? [];
builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy.WithOrigins(browserOrigins)
    .WithMethods(HttpMethods.Get).WithHeaders("Authorization", "DPoP").WithExposedHeaders("WWW-Authenticate", "DPoP-Nonce")));
builder.Services.AddAuthorizationBuilder()
    .AddScopePolicy("api", scope)
    .AddScopePolicy("reports", reportsScope)
    // The role says what the user may do, the scope what this token was granted for (RFC 9068 §2.2.3): both must hold,
    // or a token the client narrowed away from this API would still reach its admin endpoint.
    .AddPolicy("admin", policy => policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope)).RequireRole(adminRole));

var app = builder.Build();
if (!settings.Verify(app))
{
    return StartupSettings.InvalidConfiguration;
}

app.UseCors();
app.UseBearerResponses();
// Authentication with DPoP-bound tokens (RFC 9449): `Authorization: DPoP` with its proof; a bound token sent as Bearer is refused (AuthServer:Dpop).
app.UseAuthServerAuthentication();
app.UseAuthorization();

app.MapGet("/open", () => TypedResults.Ok(new { status = "open" }));
app.MapHealthChecks("/health/ready");

var api = app.MapGroup("/api");
api.MapGet("/me", (System.Security.Claims.ClaimsPrincipal user) => TypedResults.Ok(new
{
    sub = user.FindFirst("sub")?.Value,
    client_id = user.FindFirst("client_id")?.Value,
    scopes = user.FindAll("scope").SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray(),
})).RequireAuthorization("api");
api.MapGet("/reports", () => TypedResults.Ok(new { reports = Array.Empty<string>() })).RequireAuthorization("reports");
api.MapGet("/admin", (System.Security.Claims.ClaimsPrincipal user) => TypedResults.Ok(new { sub = user.Identity?.Name, admin = true }))
    .RequireAuthorization("admin");

await app.RunAsync();
return 0;

/// <summary>Visible to the test host (WebApplicationFactory), referenced there through an extern alias.</summary>
public partial class Program;
