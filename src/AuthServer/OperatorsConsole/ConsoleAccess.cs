using System.Security.Claims;
using AuthServer.Account;
using AuthServer.Admin;
using AuthServer.Clients;
using AuthServer.Login;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.OperatorsConsole;

/// <summary>The operator behind a console request: the signed-in user (re-checked), and the principal the admin API's handlers audit.</summary>
public sealed record ConsoleOperator(SignedInUser Me, ClaimsPrincipal Actor);

/// <summary>
/// Who may use the console, checked on every request: a live login session (the login cookie, its session row, the
/// user re-checked, so a locked operator's console ends at the next request), the operators' role, a console used within
/// <see cref="ConsoleOptions.IdleTimeout"/> (a sliding cookie of its own), and for every change a sign-in within
/// Account:ConfirmWithin. Failing the last two sends the operator to sign in again, which renews the same session.
/// </summary>
public sealed class ConsoleAccess(
    AccountService account,
    UserManager<IdentityUser> users,
    IDataProtectionProvider protection,
    TimeProvider clock,
    IHostEnvironment environment,
    IOptions<ConsoleOptions> options,
    IOptions<AdminOptions> admin,
    IOptions<CatalogOptions> catalog)
{
    public const string Cookie = "authserver.console";

    public async Task<(ConsoleOperator? Operator, IResult? Refusal)> AdmitAsync(HttpContext context, bool change, string returnPath)
    {
        if (await account.SignedInAsync(context) is not { } me)
        {
            return (null, ToLogin(returnPath, confirm: false));
        }

        if (ConsoleOptionsValidator.OperatorRole(admin.Value, catalog.Value) is not { } role || !await users.IsInRoleAsync(me.User, role))
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Operators only",
                detail: "The console is for the operators' role. Your own account is at /account."));
        }

        if (!(IsActive(context, me) || me.Confirmed) || (change && !me.Confirmed))
        {
            return (null, ToLogin(returnPath, confirm: true));
        }

        KeepActive(context, me);
        var identity = new ClaimsIdentity("console", Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, me.User.Id));
        identity.AddClaim(new Claim(Claims.Name, me.User.UserName ?? me.User.Id));
        return (new ConsoleOperator(me, new ClaimsPrincipal(identity)), null);
    }

    /// <summary>The idle cookie names this login session and expires IdleTimeout after the console's last use.</summary>
    private bool IsActive(HttpContext context, SignedInUser me)
    {
        if (context.Request.Cookies[LoginSetup.CookieName(environment, Cookie)] is not { Length: > 0 } value)
        {
            return false;
        }

        try
        {
            return Protector.Unprotect(value, out var expires) == me.SessionId && expires > clock.GetUtcNow();
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private void KeepActive(HttpContext context, SignedInUser me) =>
        context.Response.Cookies.Append(LoginSetup.CookieName(environment, Cookie), Protector.Protect(me.SessionId, clock.GetUtcNow() + options.Value.IdleTimeout),
            new CookieOptions
            {
                HttpOnly = true,
                Secure = !environment.IsDevelopment(),
                SameSite = SameSiteMode.Strict,
                Path = "/",
                MaxAge = options.Value.IdleTimeout,
            });

    private ITimeLimitedDataProtector Protector => protection.CreateProtector("AuthServer.Console.Idle.v1").ToTimeLimitedDataProtector();

    private static IResult ToLogin(string returnPath, bool confirm)
    {
        var query = new Dictionary<string, string?> { [LoginPage.ReturnUrlParameter] = returnPath };
        if (confirm)
        {
            query[LoginPage.ConfirmParameter] = "1";
        }

        return Results.Redirect(QueryHelpers.AddQueryString(LoginPage.Path, query));
    }
}
