using System.ComponentModel.DataAnnotations;

namespace AuthServer.Admin;

public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>The `aud` an access token must carry to reach /admin (the resource that owns the operator scope).</summary>
    [Required]
    public string Audience { get; set; } = "authserver-admin";

    /// <summary>The scope an access token must carry to reach /admin.</summary>
    [Required]
    public string Scope { get; set; } = "ops";

    [Range(1, 1_000)]
    public int MaxPageSize { get; set; } = 200;
}
