using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AuthServer.Login;

public sealed class LoginOptions
{
    public const string Section = "Login";

    /// <summary>How long a login cookie lives, from sign-in, never extended (no sliding): a stolen cookie expires on schedule.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>A browser session unused for this long ends (checked against its row, so on every instance alike).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(2);
}

public sealed class LoginOptionsValidator : IValidateOptions<LoginOptions>
{
    public ValidateOptionsResult Validate(string? name, LoginOptions options) => options.IdleTimeout > options.SessionLifetime
        ? ValidateOptionsResult.Fail("Login:IdleTimeout must not exceed Login:SessionLifetime (a session cannot idle longer than it lives).")
        : ValidateOptionsResult.Success;
}
