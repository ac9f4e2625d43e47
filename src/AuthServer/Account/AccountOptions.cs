using System.ComponentModel.DataAnnotations;

namespace AuthServer.Account;

public sealed class AccountOptions
{
    public const string Section = "Account";

    /// <summary>
    /// How recent a sign-in must be for the changes a stolen session could abuse: adding or removing a passkey, changing
    /// the password, ending every other session. Older, the page asks the user to sign in again first (like OIDC max_age).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan ConfirmWithin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many of the account's recent events the page lists.</summary>
    [Range(1, 200)]
    public int RecentEvents { get; set; } = 20;
}
