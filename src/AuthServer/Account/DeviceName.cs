namespace AuthServer.Account;

/// <summary>The browser and system a user agent names, roughly: enough for a person to recognise their own devices.</summary>
public static class DeviceName
{
    public static string Of(string? userAgent)
    {
        var ua = userAgent ?? "";
        var browser = Has(ua, "Edg/") ? "Edge" : Has(ua, "Firefox/") ? "Firefox" : Has(ua, "Chrome/") ? "Chrome"
            : Has(ua, "Safari/") ? "Safari" : ua.Length > 0 ? "A browser" : "Unknown browser";
        var system = Has(ua, "Windows") ? "Windows" : Has(ua, "iPhone") || Has(ua, "iPad") ? "iOS" : Has(ua, "Mac OS X") ? "macOS"
            : Has(ua, "Android") ? "Android" : Has(ua, "Linux") ? "Linux" : null;
        return system is null ? browser : $"{browser} on {system}";
    }

    private static bool Has(string userAgent, string token) => userAgent.Contains(token, StringComparison.Ordinal);
}
