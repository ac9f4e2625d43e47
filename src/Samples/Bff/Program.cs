using AuthServer.Bff;

var builder = WebApplication.CreateBuilder(args);

// Sign-in, session cookie, token storage and refresh, the API proxy: all in this one call.
builder.Services.AddAuthServerBff(builder.Configuration.GetSection(AuthServerBffOptions.Section));

var app = builder.Build();
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

/// <summary>Visible to the test host (WebApplicationFactory), referenced there through an extern alias.</summary>
public partial class Program;
