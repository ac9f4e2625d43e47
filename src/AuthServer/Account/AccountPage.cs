using AuthServer.Login;
using AuthServer.Observability;
using AuthServer.Pages;
using AuthServer.Passkeys;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace AuthServer.Account;

/// <summary>
/// The signed-in user's own page (AccountView.razor): passkeys, live sessions and refresh chains, password, recent
/// events. The login cookie's session is the only key: nothing on the page takes a user id from the request, and every
/// id it does take (a passkey, a session, a chain) is looked up within the signed-in user's own rows. Each ending goes
/// through the operator's revocation path (chains revoked, feed event, back-channel logout). Changes a stolen session
/// could abuse ask for a fresh sign-in first (<see cref="AccountOptions.ConfirmWithin"/>).
/// </summary>
public static class AccountPage
{
    public const string Path = "/account";

    public static IEndpointRouteBuilder MapAccountPage(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path).ExcludeFromDescription();
        group.MapGet("", ShowAsync);
        group.MapPost("/passkeys/add", AddPasskeyAsync).ValidateAntiforgery();
        group.MapPost("/passkeys/rename", RenamePasskeyAsync).ValidateAntiforgery();
        group.MapPost("/passkeys/remove", RemovePasskeyAsync).ValidateAntiforgery();
        group.MapPost("/sessions/end", EndSessionAsync).ValidateAntiforgery();
        group.MapPost("/sessions/end-others", EndOtherSessionsAsync).ValidateAntiforgery();
        group.MapPost("/chains/end", EndChainAsync).ValidateAntiforgery();
        group.MapPost("/password", ChangePasswordAsync).ValidateAntiforgery();
        group.MapPost("/sign-out", SignOutAsync).ValidateAntiforgery();
        return app;
    }

    private static async Task<IResult> ShowAsync(HttpContext context, AccountService account, string? done)
    {
        if (await account.SignedInAsync(context) is not { } me)
        {
            return ToLogin(confirm: false);
        }

        return await RenderAsync(context, account, me, Notices.GetValueOrDefault(done ?? ""), error: null);
    }

    private static Task<IResult> AddPasskeyAsync(HttpContext context, AccountService account, PasskeyCeremonies ceremonies) =>
        WithFormAsync(context, account, confirm: true, async (me, form) =>
        {
            var name = PasskeyName(form["name"]);
            if (form["credential"].ToString() is not { Length: > 0 and <= 16 * 1024 } credential || form["state"].ToString() is not { Length: > 0 and <= 16 * 1024 } state)
            {
                return Failure("The browser sent no passkey. Try again.");
            }

            var verdict = await ceremonies.FinishRegistrationAsync(context, me.User, credential, state, name);
            if (!verdict.Succeeded)
            {
                Audit.PasskeyRegistrationRefused(account.Log, me.User.Id, verdict.Failure ?? "unknown");
                return Failure("That passkey could not be added. Try again.");
            }

            await account.RecordAsync(me, AccountHistory.Kinds.PasskeyAdded, context, name);
            return Done("passkey-added");
        });

    private static Task<IResult> RenamePasskeyAsync(HttpContext context, AccountService account, UserManager<IdentityUser> users) =>
        WithFormAsync(context, account, confirm: false, async (me, form) =>
        {
            if (CredentialId(form["id"]) is not { } id || await users.GetPasskeyAsync(me.User, id) is not { } passkey)
            {
                return Failure("That passkey is not on your account.");
            }

            passkey.Name = PasskeyName(form["name"]);
            if (!(await users.AddOrUpdatePasskeyAsync(me.User, passkey)).Succeeded)
            {
                return Failure("Your account changed meanwhile. Reload the page and try again.");
            }

            await account.RecordAsync(me, AccountHistory.Kinds.PasskeyRenamed, context, passkey.Name);
            return Done("passkey-renamed");
        });

    private static Task<IResult> RemovePasskeyAsync(HttpContext context, AccountService account) =>
        WithFormAsync(context, account, confirm: true, async (me, form) =>
        {
            if (CredentialId(form["id"]) is not { } id)
            {
                return Failure("That passkey is not on your account.");
            }

            return await account.RemovePasskeyAsync(me, id, context) switch
            {
                PasskeyRemoval.Removed => Done("passkey-removed"),
                PasskeyRemoval.LastWayIn => Failure("This is your only way to sign in: set a password or add another passkey before removing it."),
                _ => Failure("That passkey is not on your account."),
            };
        });

    private static Task<IResult> EndSessionAsync(HttpContext context, AccountService account) =>
        WithFormAsync(context, account, confirm: false, async (me, form) =>
        {
            var id = form["id"].ToString();
            if (id == me.SessionId)
            {
                await account.EndCurrentSessionAsync(me, context);
                return new Outcome(ToLogin(confirm: false), null);
            }

            return await account.EndSessionAsync(me, id, context) ? Done("session-ended") : Failure("That session is not one of yours, or it has ended already.");
        });

    private static Task<IResult> EndChainAsync(HttpContext context, AccountService account) =>
        WithFormAsync(context, account, confirm: false, async (me, form) =>
            await account.EndChainAsync(me, form["id"].ToString(), context) ? Done("chain-ended") : Failure("That app's access is not one of yours, or it has ended already."));

    private static Task<IResult> EndOtherSessionsAsync(HttpContext context, AccountService account) =>
        WithFormAsync(context, account, confirm: true, async (me, _) =>
        {
            await account.EndOtherSessionsAsync(me, context);
            return Done("others-ended");
        });

    private static Task<IResult> ChangePasswordAsync(HttpContext context, AccountService account) =>
        WithFormAsync(context, account, confirm: true, async (me, form) =>
        {
            var (current, next, repeat) = (form["current"].ToString(), form["new"].ToString(), form["repeat"].ToString());
            if (next != repeat)
            {
                return Failure("The new password and its repetition differ.");
            }

            var result = await account.ChangePasswordAsync(me, current, next, context);
            return result.Succeeded
                ? Done(me.HasPassword ? "password-changed" : "password-set")
                : Failure(string.Join(" ", result.Errors.Select(e => e.Code == "PasswordMismatch" ? "The current password is not right." : e.Description)));
        });

    private static Task<IResult> SignOutAsync(HttpContext context, AccountService account) =>
        WithFormAsync(context, account, confirm: false, async (me, _) =>
        {
            await account.EndCurrentSessionAsync(me, context);
            return new Outcome(ToLogin(confirm: false), null);
        });

    /// <summary>
    /// The frame of every post: the antiforgery token, a live session whose user may still sign in, a recent enough
    /// sign-in where <paramref name="confirm"/> asks for one, then the action; its failure re-renders the page with a 400.
    /// </summary>
    private static async Task<IResult> WithFormAsync(
        HttpContext context, AccountService account, bool confirm, Func<SignedInUser, IFormCollection, Task<Outcome>> action)
    {
        if (!context.HasValidAntiforgeryToken() || !context.Request.HasFormContentType)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired or did not come from this site. Reload the page and try again.");
        }

        if (await account.SignedInAsync(context) is not { } me)
        {
            return ToLogin(confirm: false);
        }

        if (confirm && !me.Confirmed)
        {
            return ToLogin(confirm: true);
        }

        var outcome = await action(me, await context.Request.ReadFormAsync());
        if (outcome.Result is { } result)
        {
            return result;
        }

        // The user may have changed (a new password signs this browser in afresh): read them again for the page.
        var now = await account.SignedInAsync(context) ?? me;
        return await RenderAsync(context, account, now, notice: null, outcome.Error, StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> RenderAsync(HttpContext context, AccountService account, SignedInUser me, string? notice, string? error, int status = StatusCodes.Status200OK) =>
        new RazorComponentResult<AccountView>(new Dictionary<string, object?>
        {
            [nameof(AccountView.Model)] = await account.ReadAsync(me, context, notice, error),
        })
        { StatusCode = status };

    private static SeeOther ToLogin(bool confirm) => new SeeOther(
        QueryHelpers.AddQueryString(LoginPage.Path, confirm
            ? new Dictionary<string, string?> { [LoginPage.ReturnUrlParameter] = Path, [LoginPage.ConfirmParameter] = "1" }
            : new Dictionary<string, string?> { [LoginPage.ReturnUrlParameter] = Path }));

    private static Outcome Done(string notice) => new(new SeeOther($"{Path}?done={notice}"), null);

    private static Outcome Failure(string error) => new(null, error);

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["passkey-added"] = "Passkey added. You can sign in with it from now on.",
        ["passkey-renamed"] = "Passkey renamed.",
        ["passkey-removed"] = "Passkey removed. It can no longer sign you in.",
        ["session-ended"] = "That session has ended, and the apps signed in through it have lost their access.",
        ["chain-ended"] = "That app's access has ended.",
        ["others-ended"] = "Every other session and app access has ended. This browser stays signed in.",
        ["password-changed"] = "Password changed. Every other session has ended.",
        ["password-set"] = "Password set.",
    };

    private static string PasskeyName(string? name) =>
        name?.Trim() is { Length: > 0 } trimmed ? (trimmed.Length > 50 ? trimmed[..50] : trimmed) : "Passkey";

    private static byte[]? CredentialId(string? id)
    {
        try
        {
            return id is { Length: > 0 and <= 1400 } ? WebEncoders.Base64UrlDecode(id) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed record Outcome(IResult? Result, string? Error);
}
