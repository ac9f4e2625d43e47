using System.Text;
using System.Text.Encodings.Web;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Authorization;

/// <summary>The end-session pages: the confirmation a request without a valid hint gets, the signed-out page, and errors.</summary>
public static class LogoutPages
{
    private const string Style = """
        <style>
        body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f4f6; color: #111827; font-family: system-ui, sans-serif; }
        main { width: min(26rem, 90vw); background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 10px 30px rgb(0 0 0 / .08); }
        h1 { font-size: 1.3rem; margin: 0 0 1rem; }
        button { padding: .65rem 1rem; font-size: 1rem; font-weight: 600; border-radius: 8px; cursor: pointer; color: #fff; background: #1d4ed8; border: 0; }
        button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
        </style>
        """;

    /// <summary>Posts the same logout request back with the user's confirmation; the antiforgery token proves it came from this page.</summary>
    public static ContentHttpResult Confirm(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var e = HtmlEncoder.Default;
        var hidden = new StringBuilder();
        var parameters = context.Request.HasFormContentType
            ? context.Request.Form.Select(pair => (pair.Key, pair.Value))
            : context.Request.Query.Select(pair => (pair.Key, pair.Value));
        foreach (var (key, values) in parameters)
        {
            if (key is EndSessionEndpoint.ConfirmField || key == tokens.FormFieldName)
            {
                continue;
            }

            foreach (var value in values)
            {
                hidden.Append($"""<input type="hidden" name="{e.Encode(key)}" value="{e.Encode(value ?? "")}">""").Append('\n');
            }
        }

        return Page("Sign out?", $$"""
            <h1>Sign out?</h1>
            <p>An application asked to end your session on this server.</p>
            <form method="post" action="{{e.Encode(Endpoints.EndSession)}}">
            <input type="hidden" name="{{e.Encode(tokens.FormFieldName)}}" value="{{e.Encode(tokens.RequestToken ?? "")}}">
            {{hidden}}
            <button type="submit" name="{{EndSessionEndpoint.ConfirmField}}" value="yes">Sign out</button>
            </form>
            """);
    }

    public static ContentHttpResult SignedOut() => Page("Signed out", "<h1>You are signed out</h1><p>You can close this window.</p>");

    public static ContentHttpResult Error(int status, string message) =>
        Page("Sign-out failed", $"<h1>Sign-out failed</h1><p role=\"alert\">{HtmlEncoder.Default.Encode(message)}</p>", status);

    private static ContentHttpResult Page(string title, string body, int status = StatusCodes.Status200OK) => TypedResults.Content($$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}</title>
        {{Style}}
        </head>
        <body>
        <main>
        {{body}}
        </main>
        </body>
        </html>
        """, "text/html; charset=utf-8", statusCode: status);
}
