using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;

namespace AuthServer.Bff.Endpoints;

/// <summary>
/// RP-Initiated Logout 1.0 §2 allows POST: the identity token travels in a form body, never in a URL that proxies,
/// logs and browser history keep. The form is submitted by a script from this origin, so a `script-src 'self'` policy holds.
/// </summary>
internal static class LogoutForm
{
    public static async Task WriteAsync(HttpContext context, string action, IEnumerable<KeyValuePair<string, string>> fields)
    {
        var html = HtmlEncoder.Default;
        var page = new StringBuilder()
            .Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signing out</title></head><body>")
            .Append("<form method=\"post\" action=\"").Append(html.Encode(action)).Append("\">");
        foreach (var (name, value) in fields.Where(field => !string.IsNullOrEmpty(field.Value)))
        {
            page.Append("<input type=\"hidden\" name=\"").Append(html.Encode(name)).Append("\" value=\"").Append(html.Encode(value)).Append("\">");
        }

        page.Append("<noscript><button type=\"submit\">Continue signing out</button></noscript></form>")
            .Append("<script src=\"").Append(BffPaths.LogoutScript).Append("\"></script></body></html>");

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        await context.Response.WriteAsync(page.ToString(), context.RequestAborted);
    }
}
