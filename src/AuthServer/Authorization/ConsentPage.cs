using System.Text;
using System.Text.Encodings.Web;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuthServer.Authorization;

/// <summary>The consent screen for clients registered with explicit consent: posts the same authorization request back, with a decision.</summary>
public static class ConsentPage
{
    public const string DecisionField = "consent";
    public const string Accept = "accept";
    public const string Deny = "deny";

    public static ContentHttpResult Render(HttpContext context, IAntiforgery antiforgery, string clientName, IEnumerable<string> scopes)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var e = HtmlEncoder.Default;
        var hidden = new StringBuilder();
        var parameters = context.Request.HasFormContentType
            ? context.Request.Form.Select(pair => (pair.Key, pair.Value))
            : context.Request.Query.Select(pair => (pair.Key, pair.Value));
        foreach (var (key, values) in parameters)
        {
            if (key is DecisionField || key == tokens.FormFieldName)
            {
                continue;
            }

            foreach (var value in values)
            {
                hidden.Append($"""<input type="hidden" name="{e.Encode(key)}" value="{e.Encode(value ?? "")}">""").Append('\n');
            }
        }

        var items = string.Concat(scopes.Select(scope => $"<li>{e.Encode(scope)}</li>"));
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Allow access?</title>
            <style>
            body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f4f6; color: #111827; font-family: system-ui, sans-serif; }
            main { width: min(26rem, 90vw); background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 10px 30px rgb(0 0 0 / .08); }
            h1 { font-size: 1.3rem; margin: 0 0 1rem; }
            button { padding: .65rem 1rem; font-size: 1rem; font-weight: 600; border-radius: 8px; cursor: pointer; margin-right: .5rem; }
            .accept { color: #fff; background: #1d4ed8; border: 0; }
            .deny { color: #1d4ed8; background: #fff; border: 1px solid #1d4ed8; }
            button:focus-visible { outline: 3px solid #2563eb; outline-offset: 2px; }
            </style>
            </head>
            <body>
            <main>
            <h1>{{e.Encode(clientName)}} asks for access</h1>
            <p>It will be able to use:</p>
            <ul>{{items}}</ul>
            <form method="post" action="{{e.Encode(Endpoints.Authorization)}}">
            <input type="hidden" name="{{e.Encode(tokens.FormFieldName)}}" value="{{e.Encode(tokens.RequestToken ?? "")}}">
            {{hidden}}
            <button type="submit" class="accept" name="{{DecisionField}}" value="{{Accept}}">Allow</button>
            <button type="submit" class="deny" name="{{DecisionField}}" value="{{Deny}}">Deny</button>
            </form>
            </main>
            </body>
            </html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }
}
