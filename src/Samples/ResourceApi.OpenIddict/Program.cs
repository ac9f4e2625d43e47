using AuthServer.ResourceServer;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using ResourceApi.OpenIddict;
using static OpenIddict.Abstractions.OpenIddictConstants;

var builder = WebApplication.CreateBuilder(args);
// Every missing or invalid setting is reported at once, before the API listens (exit code 2).
var settings = new StartupSettings(builder.Configuration);
var authority = settings.RequiredUri("AuthServer:Authority");
var audience = settings.Required("AuthServer:Audience");
var algorithms = builder.Configuration.GetSection("AuthServer:ValidAlgorithms").Get<string[]>() ?? ["RS256", "ES256"];
var clockSkew = settings.Optional("AuthServer:ClockSkew", TimeSpan.Zero);
var scope = settings.Required("Api:RequiredScope");
var reportsScope = settings.Required("Api:ReportsScope");
var adminRole = settings.Required("Api:AdminRole");
var cacheSize = settings.Optional("AuthServer:ValidatedTokenCacheSize", 10_000);

// Traces and metrics (ASP.NET Core, HttpClient, runtime), exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
builder.AddAuthServerTelemetry();

// Local validation: keys from the issuer's discovery document, cached; no introspection call per request.
builder.Services.AddOpenIddict().AddValidation(validation =>
{
    // Guarded only so that a missing value is reported with the others rather than thrown here.
    if (authority is not null && audience.Length > 0)
    {
        validation.SetIssuer(authority);
        validation.AddAudiences(audience);
    }

    validation.UseSystemNetHttp();
    validation.UseAspNetCore();
    validation.AddEventHandler(FeedDrivenKeys.Descriptor);
    validation.AddEventHandler(RefuseRevokedTokens.Descriptor);
    validation.AddEventHandler(DpopBoundTokens.Descriptor);
    foreach (var handler in RememberValidatedTokens.Descriptors)
    {
        validation.AddEventHandler(handler);
    }

    // RFC 8725 §3.1: OpenIddict accepts any algorithm the key supports; pin the ones the server signs with.
    validation.Configure(options =>
    {
        options.TokenValidationParameters.ValidAlgorithms = algorithms;
        options.TokenValidationParameters.ClockSkew = clockSkew;
    });
});
builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
builder.Services.AddSingleton(new RememberValidatedTokens.Store(cacheSize));

// Browser apps on other origins (the sample SPA) call this API directly: CORS for exactly the configured origins, with the
// headers a DPoP call needs; none configured, no CORS at all.
var browserOrigins = builder.Configuration.GetSection("Api:BrowserOrigins").Get<string[]>() ?? [];
builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy.WithOrigins(browserOrigins)
    .WithMethods(HttpMethods.Get).WithHeaders("Authorization", "DPoP").WithExposedHeaders("WWW-Authenticate", "DPoP-Nonce")));

// Revocation within about a second instead of the token's 15 minutes: AuthServer:RevocationFeed, checked by RefuseRevokedTokens.
// The same call supplies IssuerKeys: OpenIddict reads the issuer's keys through it, so the feed's key events reach it too.
builder.Services.AddAuthServerRevocationFeed(builder.Configuration.GetSection(AuthServerJwtOptions.Section));
builder.Services.AddOptions<OpenIddictValidationOptions>().Configure<IssuerKeys>((options, keys) => options.ConfigurationManager = new FeedDrivenKeys.Manager(keys));
builder.Services.AddAuthorizationBuilder()
    .AddScopePolicy("api", scope, Claims.Private.Scope)
    .AddScopePolicy("reports", reportsScope, Claims.Private.Scope)
    // The role says what the user may do, the scope what this token was granted for (RFC 9068 §2.2.3): both must hold.
    .AddPolicy("admin", policy => policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope, Claims.Private.Scope)).RequireRole(adminRole));

var app = builder.Build();
// A mistyped authority stops the start here rather than failing every request later.
if (!settings.Verify(app) || !await IssuerCheck.VerifyAsync(app, authority!, settings))
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
    sub = user.FindFirst(Claims.Subject)?.Value,
    client_id = user.FindFirst(Claims.ClientId)?.Value,
    scopes = user.FindAll(Claims.Private.Scope).Select(c => c.Value).ToArray(),
})).RequireAuthorization("api");
api.MapGet("/reports", () => TypedResults.Ok(new { reports = Array.Empty<string>() })).RequireAuthorization("reports");
api.MapGet("/admin", (System.Security.Claims.ClaimsPrincipal user) => TypedResults.Ok(new { sub = user.FindFirst(Claims.Subject)?.Value, admin = true }))
    .RequireAuthorization("admin");

await app.RunAsync();
return 0;

/// <summary>Visible to the test host (WebApplicationFactory), referenced there through an extern alias.</summary>
public partial class Program;
