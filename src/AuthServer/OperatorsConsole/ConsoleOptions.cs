using System.ComponentModel.DataAnnotations;
using AuthServer.Admin;
using AuthServer.Clients;
using Microsoft.Extensions.Options;

namespace AuthServer.OperatorsConsole;

public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>The operators' console at /console. Off unless configured: without it the paths do not exist.</summary>
    public bool Enabled { get; set; }

    /// <summary>A console left alone this long asks for a fresh sign-in before the next page (the login session itself lives on).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "02:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// What the console needs, named at start (and by `check`): operators are the users in the role that the admin API's scope
/// requires, so with the console on that scope must require a role, or no one (or everyone) would be an operator.
/// </summary>
public sealed class ConsoleOptionsValidator(IOptions<AdminOptions> admin, IOptions<CatalogOptions> catalog) : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options) =>
        options.Enabled && OperatorRole(admin.Value, catalog.Value) is null
            ? ValidateOptionsResult.Fail(
                $"Console:Enabled needs Catalog:Scopes:{admin.Value.Scope}:RequiredRole: the console admits the users in the role the admin API's scope requires.")
            : ValidateOptionsResult.Success;

    public static string? OperatorRole(AdminOptions admin, CatalogOptions catalog) =>
        catalog.Scopes.GetValueOrDefault(admin.Scope)?.RequiredRole is { Length: > 0 } role ? role : null;
}
