using System.ComponentModel.DataAnnotations;

namespace AuthServer.Login;

public sealed class LoginOptions
{
    public const string Section = "Login";

    /// <summary>How long a login cookie lives, from sign-in, never extended (no sliding): a stolen cookie expires on schedule.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);
}
