using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AuthServer.Cli;

/// <summary>What a command printed: a table or sentence for people, JSON for scripts.</summary>
public sealed record CommandResult(string Text, JsonElement Json);

/// <summary>Each command checks its arguments first (no network for a typo), then returns the call to make.</summary>
internal static class Commands
{
    public static Func<AdminApi, Task<CommandResult>> Resolve(Arguments args)
    {
        var words = args.Words;
        switch (words.Count > 0 ? words[0] : "")
        {
            case "revoke" when words.Count == 1:
                args.OnlyKnown("user", "client");
                return (args.Option("user"), args.Option("client")) switch
                {
                    ({ } user, null) => api => RevokeAsync(api, $"admin/users/{Escape(user)}/revoke-tokens", $"user {user}"),
                    (null, { } client) => api => RevokeAsync(api, $"admin/clients/{Escape(client)}/revoke-tokens", $"client {client}"),
                    _ => throw new UsageException("revoke needs exactly one of --user or --client."),
                };

            case "revoke-session" when words.Count == 2:
                args.OnlyKnown();
                var session = words[1];
                return api => RevokeAsync(api, $"admin/sessions/{Escape(session)}", $"session {session}", HttpMethod.Delete);

            case "sessions" when words.Count == 1:
                {
                    args.OnlyKnown("user", "page", "page-size");
                    var user = args.Required("user");
                    var query = Paging(args);
                    return api => SessionsAsync(api, $"admin/users/{Escape(user)}/sessions{query}");
                }

            case "browser-sessions" when words.Count == 1:
                {
                    args.OnlyKnown("user", "page", "page-size");
                    var user = args.Required("user");
                    var query = Paging(args);
                    return api => BrowserSessionsAsync(api, $"admin/users/{Escape(user)}/browser-sessions{query}");
                }

            case "lock" or "unlock" when words.Count == 1:
                {
                    args.OnlyKnown("user");
                    var (verb, user) = (words[0], args.Required("user"));
                    var sentence = verb == "lock" ? $"User {user} is locked; their sessions are revoked.\n" : $"User {user} is unlocked.\n";
                    return api => DoneAsync(api, HttpMethod.Post, $"admin/users/{Escape(user)}/{verb}", null, sentence, new { user, status = verb + "ed" });
                }

            case "rotate-secret" when words.Count == 1:
                {
                    args.OnlyKnown("client", "overlap-minutes");
                    var client = args.Required("client");
                    var body = new { overlapMinutes = args.Number("overlap-minutes") };
                    return api => RotateSecretAsync(api, $"admin/clients/{Escape(client)}/rotate-secret", body);
                }

            case "users" when words.Count == 2:
                return Users(words[1], args);

            case "prune" when words.Count == 1:
                args.OnlyKnown();
                return PruneAsync;

            case "keys" when words.Count == 2 && words[1] == "list":
                args.OnlyKnown();
                return KeysAsync;

            case "keys" when words.Count == 2 && words[1] == "rotate":
                {
                    args.OnlyKnown("use");
                    if (!args.Now)
                    {
                        throw new UsageException("keys rotate needs --now: it is the emergency rotation (the server rotates on its own schedule).");
                    }

                    var body = new { use = args.Option("use") };
                    return async api =>
                    {
                        var rotated = (await api.SendAsync(HttpMethod.Post, "admin/keys/rotate", body))!.Value;
                        return new(KeyTable(rotated) + "Active now; every instance uses them within the server's Keys:RefreshInterval. The previous keys stay valid until their tokens expire.\n", rotated);
                    };
                }

            case "keys" when words.Count == 3 && words[1] == "revoke":
                {
                    args.OnlyKnown();
                    var kid = words[2];
                    return async api =>
                    {
                        var revoked = (await api.SendAsync(HttpMethod.Post, $"admin/keys/{Escape(kid)}/revoke"))!.Value;
                        return new($"Key {kid} revoked: unpublished, and what it signed or encrypted is refused (every instance within Keys:RefreshInterval).\n", revoked);
                    };
                }

            default:
                throw new UsageException(words.Count == 0 ? "No command given." : $"Unknown command '{string.Join(' ', words)}'.");
        }
    }

    private static Func<AdminApi, Task<CommandResult>> Users(string verb, Arguments args)
    {
        switch (verb)
        {
            case "list":
                {
                    args.OnlyKnown("search", "page", "page-size");
                    var query = Paging(args);
                    if (args.Option("search") is { } search)
                    {
                        query += (query.Length == 0 ? "?" : "&") + "search=" + Uri.EscapeDataString(search);
                    }

                    return api => ListUsersAsync(api, "admin/users" + query);
                }

            case "create":
                {
                    args.OnlyKnown("name", "email", "password");
                    var body = new { userName = args.Required("name"), email = args.Option("email"), password = args.Required("password") };
                    return async api =>
                    {
                        var created = (await api.SendAsync(HttpMethod.Post, "admin/users", body))!.Value;
                        return new($"Created user {body.userName} with id {created.GetProperty("id").GetString()}.\n", created);
                    };
                }

            case "reset-password":
                {
                    args.OnlyKnown("user", "password");
                    var (user, password) = (args.Required("user"), args.Required("password"));
                    return api => DoneAsync(api, HttpMethod.Post, $"admin/users/{Escape(user)}/reset-password", new { password },
                        $"Password of {user} reset; their sessions are revoked.\n", new { user, status = "password-reset" });
                }

            case "delete":
                {
                    args.OnlyKnown("user");
                    var user = args.Required("user");
                    return api => DoneAsync(api, HttpMethod.Delete, $"admin/users/{Escape(user)}", null,
                        $"User {user} deleted; their sessions are revoked.\n", new { user, status = "deleted" });
                }

            default:
                throw new UsageException($"Unknown command 'users {verb}'.");
        }
    }

    private static async Task<CommandResult> RevokeAsync(AdminApi api, string path, string target, HttpMethod? method = null)
    {
        var counts = (await api.SendAsync(method ?? HttpMethod.Post, path))!.Value;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Revoked {counts.GetProperty("tokens").GetInt32()} token(s) and {counts.GetProperty("authorizations").GetInt32()} session(s) of {target}{BrowserSessionsEnded(counts)}.\n");
        return new(text, counts);
    }

    private static async Task<CommandResult> RotateSecretAsync(AdminApi api, string path, object body)
    {
        var rotated = (await api.SendAsync(HttpMethod.Post, path, body))!.Value;

        // The one time the new secret is shown: printed alone on its line, so a script can take it without parsing prose.
        var text = $"New secret of client {Text(rotated, "clientId")} (shown once; store it now):\n{Text(rotated, "clientSecret")}\n" +
            $"The previous secret works until {Date(rotated, "previousSecretValidUntil")} UTC.\n";
        return new(text, rotated);
    }

    private static async Task<CommandResult> SessionsAsync(AdminApi api, string path)
    {
        var page = (await api.SendAsync(HttpMethod.Get, path))!.Value;
        var rows = page.GetProperty("items").EnumerateArray().Select(s => new[]
        {
            Text(s, "id"), Text(s, "clientId"), Date(s, "created"), Date(s, "lastUsed"), Date(s, "expires"), Text(s, "liveTokens"), Text(s, "tokens"), Text(s, "browserSession"),
        });
        return new(Table(["SESSION", "CLIENT", "CREATED", "LAST USED", "EXPIRES", "LIVE", "TOKENS", "BROWSER SESSION"], rows) + Footer(page), page);
    }

    private static async Task<CommandResult> BrowserSessionsAsync(AdminApi api, string path)
    {
        var page = (await api.SendAsync(HttpMethod.Get, path))!.Value;
        var rows = page.GetProperty("items").EnumerateArray().Select(s => new[]
        {
            Text(s, "id"), Text(s, "clientId"), Date(s, "created"), Date(s, "lastSeen"), Date(s, "expires"), Text(s, "sourceAddress"),
            s.GetProperty("ended").ValueKind == JsonValueKind.Null ? "live" : $"ended ({Text(s, "endReason")})",
            s.GetProperty("chains").GetArrayLength().ToString(CultureInfo.InvariantCulture),
        });
        return new(Table(["BROWSER SESSION", "CLIENT", "CREATED", "LAST SEEN", "EXPIRES", "SOURCE", "STATUS", "CHAINS"], rows) + Footer(page), page);
    }

    /// <summary>Said only when there were any: password-grant users have no browser sessions.</summary>
    private static string BrowserSessionsEnded(JsonElement counts) =>
        counts.TryGetProperty("browserSessions", out var ended) && ended.GetInt32() > 0
            ? string.Create(CultureInfo.InvariantCulture, $", and ended {ended.GetInt32()} browser session(s)")
            : "";

    private static async Task<CommandResult> ListUsersAsync(AdminApi api, string path)
    {
        var page = (await api.SendAsync(HttpMethod.Get, path))!.Value;
        var rows = page.GetProperty("items").EnumerateArray().Select(u => new[]
        {
            Text(u, "id"), Text(u, "userName"), Text(u, "email"), u.GetProperty("lockedOut").GetBoolean() ? "locked" : "",
        });
        return new(Table(["ID", "USER", "EMAIL", "STATUS"], rows) + Footer(page), page);
    }

    private static async Task<CommandResult> PruneAsync(AdminApi api)
    {
        var counts = (await api.SendAsync(HttpMethod.Post, "admin/prune"))!.Value;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Pruned {counts.GetProperty("tokens").GetInt64()} token(s) and {counts.GetProperty("authorizations").GetInt64()} authorization(s): redeemed tokens expired by now, others expired before {Date(counts, "threshold")}.\n");
        return new(text, counts);
    }

    private static async Task<CommandResult> KeysAsync(AdminApi api)
    {
        var list = (await api.SendAsync(HttpMethod.Get, "admin/keys"))!.Value;
        return new(KeyTable(list) + $"Keys: {Text(list, "source")}. Announced keys are published before they sign; retired ones stay published until their tokens expire.\n", list);
    }

    private static string KeyTable(JsonElement list) => Table(["KID", "USE", "ALG", "STATE", "CREATED", "ACTIVATES", "RETIRED", "REMOVES", "REVOKED"],
        list.GetProperty("keys").EnumerateArray().Select(k => new[]
        {
            Text(k, "kid"), Text(k, "use"), Text(k, "algorithm"), Text(k, "state"), Date(k, "created"), Date(k, "activates"), Date(k, "retired"), Date(k, "removes"), Date(k, "revoked"),
        }));

    private static async Task<CommandResult> DoneAsync(AdminApi api, HttpMethod method, string path, object? body, string sentence, object json)
    {
        await api.SendAsync(method, path, body);
        return new(sentence, JsonSerializer.SerializeToElement(json));
    }

    private static string Paging(Arguments args)
    {
        List<string> parts = [];
        if (args.Number("page") is { } page)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"page={page}"));
        }

        if (args.Number("page-size") is { } size)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"pageSize={size}"));
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private static string Footer(JsonElement page)
    {
        var (number, size, total) = (page.GetProperty("pageNumber").GetInt32(), page.GetProperty("pageSize").GetInt32(), page.GetProperty("total").GetInt32());
        var pages = Math.Max(1, (total + size - 1) / size);
        return string.Create(CultureInfo.InvariantCulture, $"Page {number} of {pages} ({total} in all).\n");
    }

    private static string Table(string[] headers, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => all.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var text = new StringBuilder();
        foreach (var row in all.Prepend(headers))
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString();
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : "";

    /// <summary>ISO dates shortened to the second, for tables.</summary>
    private static string Date(JsonElement element, string name) => Text(element, name) is { Length: >= 19 } iso ? iso[..19].Replace('T', ' ') : Text(element, name);

    private static string Escape(string segment) => Uri.EscapeDataString(segment);
}
