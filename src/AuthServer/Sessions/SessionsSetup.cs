namespace AuthServer.Sessions;

public static class SessionsSetup
{
    /// <summary>Server-side browser sessions: the rows the login cookie points at, checked on every use of the cookie.</summary>
    public static IServiceCollection AddSessions(this IServiceCollection services)
    {
        services.AddScoped<BrowserSessions>();
        services.AddScoped<SessionCookieEvents>();
        return services;
    }
}
