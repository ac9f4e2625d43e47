using System.ComponentModel.DataAnnotations;

namespace AuthServer.Users;

public sealed class UserPolicyOptions
{
    public const string Section = "Users";

    [Range(8, 128)]
    public int RequiredPasswordLength { get; set; } = 12;
}

/// <summary>Demo users for a newcomer's first run. Seeded only when asked for (appsettings.Development.json does).</summary>
public sealed class DemoDataOptions
{
    public const string Section = "DemoData";

    public bool Seed { get; set; }

    /// <summary>Seeding outside Development stops the server unless this is on (a shared test stage); it then warns at every start.</summary>
    public bool AllowOutsideDevelopment { get; set; }

    public IList<DemoUser> Users { get; } = [];
}

public sealed class DemoUser
{
    [Required]
    public string UserName { get; set; } = "";

    [Required]
    public string Email { get; set; } = "";

    [Required]
    public string Password { get; set; } = "";

    public IList<string> Roles { get; } = [];
}
