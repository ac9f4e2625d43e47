using AuthServer.Admin;
using AuthServer.Contracts.Admin;
using AuthServer.Pages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Application = OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication;

namespace AuthServer.OperatorsConsole;

/// <summary>
/// The operators' console (ConsoleView.razor): users, one user, clients, keys, events, and the overview with health and
/// the last hour in charts. Every change is a form post with its antiforgery token, admitted by <see cref="ConsoleAccess"/>
/// (a recent sign-in), and performed by the admin API's own handler, so its rules and audit events are the API's.
/// </summary>
public static class ConsolePages
{
    public const string Path = "/console";

    public static IEndpointRouteBuilder MapOperatorsConsole(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup(Path).ExcludeFromDescription();
        console.MapGet("", (HttpContext context, ConsoleReads reads) =>
            ShowAsync(context, Path, async () => new ConsoleModel(ConsoleSection.Overview) { Health = await reads.HealthAsync(context.RequestAborted) }));
        console.MapGet("/users", (HttpContext context, ConsoleReads reads, string? q, int? page) =>
            ShowAsync(context, Path + "/users", async () =>
            {
                var number = Math.Clamp(page ?? 1, 1, 100_000);
                var (rows, more) = await reads.UsersAsync(q, number, context.RequestAborted);
                return new ConsoleModel(ConsoleSection.Users) { Query = q, Page = number, Users = rows, MoreUsers = more };
            }));
        console.MapGet("/users/{id}", (HttpContext context, ConsoleReads reads, string id) =>
            ShowAsync(context, $"{Path}/users/{Uri.EscapeDataString(id)}", async () =>
                await reads.UserAsync(id, context) is { } user ? new ConsoleModel(ConsoleSection.User) { User = user } : null));
        console.MapGet("/clients", (HttpContext context, ConsoleReads reads) =>
            ShowAsync(context, Path + "/clients", async () => new ConsoleModel(ConsoleSection.Clients) { Clients = await reads.ClientsAsync(context.RequestAborted) }));
        console.MapGet("/keys", (HttpContext context, ConsoleReads reads) =>
            ShowAsync(context, Path + "/keys", async () => new ConsoleModel(ConsoleSection.Keys) { Keys = await reads.KeysAsync(context.RequestAborted) }));
        console.MapGet("/events", (HttpContext context, ConsoleReads reads, string? kind, string? user) =>
            ShowAsync(context, Path + "/events", async () =>
            {
                var events = await reads.EventsAsync(kind, user, context.RequestAborted);
                var names = await reads.UserNamesAsync(events.AccountEvents.Select(e => e.UserId).Concat(events.FeedEvents.Select(e => e.Subject)), context.RequestAborted);
                return new ConsoleModel(ConsoleSection.Events) { Events = events, UserNames = names };
            }));

        console.MapPost("/users/{id}/lock", (HttpContext context, string id) => ActAsync(context, () => UserPage(id), async (s, actor) =>
            Say(await UserAdmin.LockAsync(id, s.Get<UserManager<IdentityUser>>(), actor, s.Get<ILoggerFactory>()), "locked")))
            .ValidateAntiforgery();
        console.MapPost("/users/{id}/unlock", (HttpContext context, string id) => ActAsync(context, () => UserPage(id), async (s, actor) =>
            Say(await UserAdmin.UnlockAsync(id, s.Get<UserManager<IdentityUser>>(), s.Get<Throttling.SignInThrottle>(), actor, s.Get<ILoggerFactory>(), context.RequestAborted),
                "unlocked")))
            .ValidateAntiforgery();
        console.MapPost("/users/{id}/reset-password", (HttpContext context, string id) => ActAsync(context, () => UserPage(id), async (s, actor) =>
            Say(await UserAdmin.ResetPasswordAsync(id, new ResetPasswordRequest(context.Request.Form["password"].ToString() is { Length: > 0 } p ? p : null),
                s.Get<UserManager<IdentityUser>>(), actor, s.Get<ILoggerFactory>()), "password-reset")))
            .ValidateAntiforgery();
        console.MapPost("/users/{id}/revoke", (HttpContext context, string id) => ActAsync(context, () => UserPage(id), async (s, actor) =>
            Say(await UserAdmin.RevokeTokensAsync(id, s.Get<UserManager<IdentityUser>>(), s.Get<Revocation.TokenRevoker>(), s.Get<Observability.AuthMetrics>(), actor,
                s.Get<ILoggerFactory>(), context.RequestAborted), "user-revoked")))
            .ValidateAntiforgery();
        console.MapPost("/sessions/{id}/end", (HttpContext context, string id) => ActAsync(context, () => Back(context), async (s, actor) =>
            Say(await SessionAdmin.RevokeSessionAsync(id, s.Get<Persistence.AuthDbContext>(), s.Get<Revocation.TokenRevoker>(), s.Get<Sessions.BrowserSessions>(),
                s.Get<Observability.AuthMetrics>(), actor, s.Get<ILoggerFactory>(), context.RequestAborted), "session-ended")))
            .ValidateAntiforgery();
        console.MapPost("/clients/{clientId}/rotate-secret", (HttpContext context, string clientId) => ActAsync(context, () => Path + "/clients", async (s, actor) =>
            await ClientAdmin.RotateSecretAsync(clientId, null, s.Get<OpenIddictApplicationManager<Application>>(),
                s.Get<IOpenIddictApplicationStore<Application>>(), s.Get<IOptions<Clients.CatalogOptions>>(), s.Get<TimeProvider>(), actor, s.Get<ILoggerFactory>(), context.RequestAborted) switch
            {
                { Result: Ok<RotatedSecret> ok } => new ActionOutcome(null, null, ok.Value),
                var other => Say(other, ""),
            }))
            .ValidateAntiforgery();
        console.MapPost("/clients/{clientId}/revoke", (HttpContext context, string clientId) => ActAsync(context, () => Path + "/clients", async (s, actor) =>
            Say(await SessionAdmin.RevokeClientAsync(clientId, s.Get<IOpenIddictApplicationManager>(), s.Get<Revocation.TokenRevoker>(), s.Get<Observability.AuthMetrics>(),
                actor, s.Get<ILoggerFactory>(), context.RequestAborted), "client-revoked")))
            .ValidateAntiforgery();
        console.MapPost("/keys/rotate", (Func<HttpContext, Task<IResult>>)(context => ActAsync(context, () => Path + "/keys", async (s, actor) =>
            !Confirmed(context) ? new ActionOutcome(null, NotConfirmed, null)
            : Say(await KeyAdmin.RotateAsync(new RotateKeysRequest(context.Request.Form["use"].ToString() is { Length: > 0 } use ? use : null),
                s.Get<Keys.KeyRingSource>(), s.Get<Keys.ManagedKeys>(), s.Get<Keys.ManagedKeyRefresher>(), actor, s.Get<ILoggerFactory>(), context.RequestAborted),
                "keys-rotated"))))
            .ValidateAntiforgery();
        console.MapPost("/keys/{kid}/revoke", (HttpContext context, string kid) => ActAsync(context, () => Path + "/keys", async (s, actor) =>
            !Confirmed(context) ? new ActionOutcome(null, NotConfirmed, null)
            : Say(await KeyAdmin.RevokeAsync(kid, s.Get<Keys.KeyRingSource>(), s.Get<Keys.ManagedKeys>(), s.Get<Keys.ManagedKeyRefresher>(), actor, s.Get<ILoggerFactory>(),
                context.RequestAborted), "key-revoked")))
            .ValidateAntiforgery();
        return app;
    }

    private const string NotConfirmed = "Tick the box that says what will happen, then try again.";

    private static async Task<IResult> ShowAsync(HttpContext context, string path, Func<Task<ConsoleModel?>> read)
    {
        var (op, refusal) = await context.RequestServices.GetRequiredService<ConsoleAccess>().AdmitAsync(context, change: false, path);
        if (refusal is not null)
        {
            return refusal;
        }

        if (await read() is not { } model)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No user has this id, user name or e-mail.");
        }

        var done = context.Request.Query["done"].ToString();
        return Render(model with { Operator = op!.Me.User.UserName, Notice = done.Length > 0 ? ConsoleModel.Notices.GetValueOrDefault(done) : null });
    }

    /// <summary>
    /// The frame of every change: the antiforgery token (the middleware's verdict), an operator with a recent sign-in,
    /// then the admin API's handler; success goes back to the page it came from (<paramref name="whereFrom"/>) with a notice (303), failure re-renders there with the reason.
    /// </summary>
    private static async Task<IResult> ActAsync(
        HttpContext context, Func<string> whereFrom, Func<IServiceProvider, System.Security.Claims.ClaimsPrincipal, Task<ActionOutcome>> action)
    {
        if (!context.HasValidAntiforgeryToken() || !context.Request.HasFormContentType)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form expired or did not come from this site. Reload the page and try again.");
        }

        // Read only now: a form the antiforgery check refused cannot be read at all.
        var back = whereFrom();

        var (op, refusal) = await context.RequestServices.GetRequiredService<ConsoleAccess>().AdmitAsync(context, change: true, back);
        if (refusal is not null)
        {
            return refusal;
        }

        await context.Request.ReadFormAsync();
        var outcome = await action(context.RequestServices, op!.Actor);
        if (outcome.Secret is { } secret)
        {
            // Shown once, on this answer only: never in a URL, a redirect or a log.
            return Render(new ConsoleModel(ConsoleSection.Clients)
            {
                Operator = op.Me.User.UserName,
                Clients = await context.RequestServices.GetRequiredService<ConsoleReads>().ClientsAsync(context.RequestAborted),
                Secret = secret,
            });
        }

        if (outcome.Error is { } error)
        {
            return Render(new ConsoleModel(ConsoleSection.Refused) { Operator = op.Me.User.UserName, Error = error, Back = back }, StatusCodes.Status400BadRequest);
        }

        return new SeeOther(QueryHelpers.AddQueryString(back, "done", outcome.Notice!));
    }

    private static RazorComponentResult<ConsoleView> Render(ConsoleModel model, int status = StatusCodes.Status200OK) =>
        new(new Dictionary<string, object?> { [nameof(ConsoleView.Model)] = model }) { StatusCode = status };

    private static string UserPage(string id) => $"{Path}/users/{Uri.EscapeDataString(id)}";

    /// <summary>Where a session was ended from (the user's page), if the form says so and it is a console page.</summary>
    private static string Back(HttpContext context) =>
        context.Request.HasFormContentType && context.Request.Form["back"].ToString() is { } back && back.StartsWith(Path + "/", StringComparison.Ordinal) && Login.LoginPage.SafeReturnUrl(back) == back
            ? back
            : Path;

    private static bool Confirmed(HttpContext context) => context.Request.Form["confirm"] == "yes";

    private static T Get<T>(this IServiceProvider services) where T : notnull => services.GetRequiredService<T>();

    /// <summary>What the admin API's handler answered, in the console's words: the notice's code on success, the problem's detail otherwise.</summary>
    private static ActionOutcome Say(IResult result, string notice) => result switch
    {
        INestedHttpResult { Result: var inner } => Say(inner, notice),
        ProblemHttpResult problem => new(null, problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title ?? "Refused.", null),
        ValidationProblem validation => new(null, string.Join(" ", validation.ProblemDetails.Errors.SelectMany(e => e.Value)), null),
        _ => new(notice, null, null),
    };

    private sealed record ActionOutcome(string? Notice, string? Error, RotatedSecret? Secret);
}
