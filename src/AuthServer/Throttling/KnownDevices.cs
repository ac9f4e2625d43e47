using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace AuthServer.Throttling;

/// <summary>
/// The browsers an account signed in with: a cookie, set at every successful sign-in on the login page, naming the
/// accounts and when. Protected by Data Protection (the shared key ring), so a made-up or edited cookie reads as none.
/// It exempts that browser from the account's back-off across sources, never from the per-source limits: strangers'
/// failures cannot keep the user out of the browser they always use, whatever network it is on.
/// </summary>
public sealed class KnownDevices(IDataProtectionProvider protection, TimeProvider clock, IOptions<ThrottlingOptions> options, IHostEnvironment environment)
{
    /// <summary>A shared computer remembers a few accounts; the oldest sign-in falls off first.</summary>
    public const int MaxAccounts = 5;

    /// <summary>Far above what five entries need; a longer value is not worth decrypting.</summary>
    private const int MaxCookieLength = 2048;

    private readonly IDataProtector _protector = protection.CreateProtector("AuthServer.Throttling.KnownDevice.v1");

    /// <summary>__Host- outside Development: only this host, over HTTPS, at path /, can set it (no sibling subdomain can plant one).</summary>
    public string CookieName => environment.IsDevelopment() ? "authserver.device" : "__Host-authserver.device";

    /// <summary>The accounts this browser signed in to within KnownSourceLifetime.</summary>
    public IReadOnlySet<string> Read(HttpRequest request)
    {
        var entries = Entries(request);
        return entries.Count == 0 ? new HashSet<string>(StringComparer.Ordinal) : entries.Keys.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Adds (or refreshes) the account on this browser's cookie.</summary>
    public void Remember(HttpContext context, string userId)
    {
        var lifetime = options.Value.KnownSourceLifetime;
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var entries = Entries(context.Request);
        entries[userId] = now.ToUnixTimeSeconds();
        var kept = entries.OrderByDescending(e => e.Value).Take(MaxAccounts)
            .Select(e => $"{e.Key} {e.Value.ToString(CultureInfo.InvariantCulture)}");
        context.Response.Cookies.Append(CookieName, _protector.Protect(string.Join('\n', kept)), new CookieOptions
        {
            HttpOnly = true,
            Secure = !environment.IsDevelopment() || context.Request.IsHttps,

            // Only the login form, posted from this site, needs it.
            SameSite = SameSiteMode.Strict,
            Path = "/",
            MaxAge = lifetime,
            IsEssential = true,
        });
    }

    private Dictionary<string, long> Entries(HttpRequest request)
    {
        var entries = new Dictionary<string, long>(StringComparer.Ordinal);
        if (request.Cookies[CookieName] is not { Length: > 0 and <= MaxCookieLength } cookie)
        {
            return entries;
        }

        string payload;
        try
        {
            payload = _protector.Unprotect(cookie);
        }
        catch (CryptographicException)
        {
            return entries; // forged, edited, or from a key ring that no longer holds its key: an unknown browser
        }

        var oldest = (clock.GetUtcNow() - options.Value.KnownSourceLifetime).ToUnixTimeSeconds();
        foreach (var line in payload.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Split(' ') is [var userId, var seconds]
                && long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var at) && at > oldest)
            {
                entries[userId] = at;
            }
        }

        return entries;
    }
}
