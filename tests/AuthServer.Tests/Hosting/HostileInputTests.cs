using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Serilog.Events;

namespace AuthServer.Tests;

/// <summary>
/// Every endpoint under hostile input (wrong methods, duplicated, oversized and badly encoded parameters,
/// garbage tokens, bad paging, very long ids). Each case must get a 4xx with a body in the caller's shape, no stack
/// trace, no raw echo of the input, no-store where tokens or personal data live, and leave the server healthy.
/// Each defect found by the probe has its own named test below the suite.
/// </summary>
public sealed class HostileInputTests(AdminServerFactory server, ITestOutputHelper output) : IClassFixture<AdminServerFactory>
{
    /// <summary>Put into every input that could be echoed: it must never come back as markup.</summary>
    private const string Marker = "<svg/onload=h0stile>";

    private static readonly string s_markerEncoded = Uri.EscapeDataString(Marker);

    private readonly HttpClient _http = server.CreateClient(new() { AllowAutoRedirect = false });

    private enum Auth
    {
        None,
        Ops,
        Alice,
    }

    /// <summary>One hostile request; <paramref name="Statuses"/> empty means any 4xx (the exact answer is another test's subject).</summary>
    private sealed record Case(string Name, string Method, string Path, Auth Auth = Auth.None, string? Form = null, byte[]? Body = null,
        string? ContentType = null, int[]? Statuses = null, string? Error = null, string? Bearer = null);

    private static IEnumerable<Case> Cases()
    {
        string[] protocol = ["/connect/token", "/connect/revoke", "/connect/authorize", "/connect/logout", "/connect/userinfo", "/.well-known/openid-configuration", "/.well-known/jwks"];
        string[] postOnly = ["/connect/token", "/connect/revoke"];
        string[] getHead = ["/.well-known/openid-configuration", "/.well-known/jwks", "/health/live", "/health/ready"];

        // Wrong methods: 405 with Allow on every protocol endpoint and probe (RFC 9110 §15.5.6).
        foreach (var path in protocol.Concat(["/health/live", "/health/ready"]))
        {
            foreach (var method in new[] { "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE" })
            {
                yield return new($"{method} {path}", method, path, Statuses: [405]);
            }
        }

        foreach (var path in postOnly)
        {
            yield return new($"GET {path}", "GET", path + "?client_id=spa", Statuses: [405]);
        }

        foreach (var path in getHead)
        {
            yield return new($"POST {path}", "POST", path, Form: "a=b", Statuses: [405]);
        }

        yield return new("PUT /admin/users", "PUT", "/admin/users", Auth.Ops, Statuses: [405]);
        yield return new("PATCH /admin/users/alice", "PATCH", "/admin/users/alice", Auth.Ops, Statuses: [405]);
        yield return new("PUT /account/login", "PUT", "/account/login", Statuses: [405]);

        // Duplicated parameters (RFC 6749 §3.1: never silently pick one).
        yield return new("duplicated grant_type", "POST", "/connect/token", Form: "grant_type=client_credentials&grant_type=password&client_id=ops&client_secret=ops-demo-secret", Statuses: [400], Error: "invalid_request");
        yield return new("duplicated scope", "POST", "/connect/token", Form: "grant_type=client_credentials&client_id=ops&client_secret=ops-demo-secret&scope=ops&scope=" + s_markerEncoded, Statuses: [400], Error: "invalid_request");
        yield return new("duplicated token", "POST", "/connect/revoke", Form: "client_id=spa&token=a&token=b", Statuses: [400], Error: "invalid_request");
        yield return new("duplicated client_id on authorize", "GET", "/connect/authorize?client_id=spa&client_id=ops&response_type=code&redirect_uri=http://localhost:5173/callback", Statuses: [400], Error: "invalid_request");
        yield return new("duplicated page", "GET", "/admin/users?page=1&page=2", Auth.Ops, Statuses: [400]);

        // Oversized parameters.
        var huge = new string('a', 9 * 1024);
        yield return new("9 KB state", "GET", $"/connect/authorize?client_id=spa&response_type=code&redirect_uri=http://localhost:5173/callback&scope=openid&code_challenge_method=S256&code_challenge={new string('A', 43)}&state={huge}", Statuses: [302]);
        yield return new("5,000-character user name", "POST", "/connect/token", Form: $"grant_type=password&client_id=spa&username={new string('u', 5000)}&password=x", Statuses: [400], Error: "invalid_grant");
        yield return new("200 KB body", "POST", "/connect/token", Form: "grant_type=password&client_id=spa&password=" + new string('p', 200_000), Statuses: [400, 413], Error: "invalid_request");
        yield return new("over 100 form values", "POST", "/connect/token", Form: string.Join('&', Enumerable.Range(0, 150).Select(i => $"f{i}=v")), Statuses: [400], Error: "invalid_request");
        yield return new("over 100 form values at login", "POST", "/account/login", Form: string.Join('&', Enumerable.Range(0, 150).Select(i => $"f{i}=v")), Statuses: [400]);
        yield return new("8 KB id_token_hint", "GET", "/connect/logout?id_token_hint=" + huge, Statuses: [400]);
        yield return new("5,000-character user create", "POST", "/admin/users", Auth.Ops, Body: Json(new { userName = new string('n', 5000), password = TestUsers.Password }), ContentType: "application/json", Statuses: [400]);
        yield return new("60 KB e-mail", "POST", "/admin/users", Auth.Ops, Body: Json(new { userName = "big-mail", email = new string('e', 60_000) + "@example.test", password = TestUsers.Password }), ContentType: "application/json", Statuses: [400]);

        // Bad encodings: NUL, broken percent escapes, invalid UTF-8, in queries and forms.
        yield return new("%00 in a form", "POST", "/connect/token", Form: "grant_type=password&client_id=spa&username=al%00ice&password=%00", Statuses: [400]);
        yield return new("%00 in client_id", "POST", "/connect/token", Form: "grant_type=client_credentials&client_id=op%00s&client_secret=x", Statuses: [400, 401]);
        yield return new("%00 at login", "POST", "/account/login", Form: "username=%00&password=%00" + s_markerEncoded, Statuses: [400, 200]);
        yield return new("broken percent escape", "POST", "/connect/token", Form: "grant_type=%zz&client_id=%", Statuses: [400, 401]);
        yield return new("invalid UTF-8 in a form", "POST", "/connect/token", Body: [.. "grant_type=password&client_id=spa&username="u8, 0xC3, 0x28, 0xFF, .. "&password=x"u8],
            ContentType: "application/x-www-form-urlencoded", Statuses: [400]);
        yield return new("invalid UTF-8 in a query", "GET", "/connect/authorize?client_id=%C3%28%FF&response_type=code");
        // A NUL in the path never reaches the app: the server refuses it (the test host will not even send it).
        yield return new("%00 in the admin search", "GET", "/admin/users?search=al%00ice", Auth.Ops, Statuses: [200]);
        yield return new("markup in the admin key", "GET", "/admin/users/" + s_markerEncoded, Auth.Ops, Statuses: [404]);
        yield return new("markup in end-session", "GET", "/connect/logout?post_logout_redirect_uri=" + s_markerEncoded + "&state=" + s_markerEncoded);
        yield return new("markup in authorize", "GET", "/connect/authorize?client_id=" + s_markerEncoded + "&redirect_uri=" + s_markerEncoded);
        yield return new("form body without content type", "POST", "/connect/revoke", Body: "token=x&client_id=spa"u8.ToArray(), Statuses: [400]);
        yield return new("form where the admin API wants JSON", "POST", "/admin/users", Auth.Ops, Form: "userName=x", Statuses: [415]);
        yield return new("broken JSON to the admin API", "POST", "/admin/users", Auth.Ops, Body: "{\"userName\":"u8.ToArray(), ContentType: "application/json", Statuses: [400]);

        // Garbage tokens.
        string[] garbage = ["not-a-token", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", Marker];
        foreach (var token in garbage)
        {
            yield return new($"garbage bearer '{token}' at userinfo", "GET", "/connect/userinfo", Bearer: token, Statuses: [400, 401]);
            yield return new($"garbage bearer '{token}' at the admin API", "GET", "/admin/users", Bearer: token, Statuses: [401]);
            yield return new($"garbage refresh token '{token}'", "POST", "/connect/token", Form: "grant_type=refresh_token&client_id=spa&refresh_token=" + Uri.EscapeDataString(token), Statuses: [400], Error: "invalid_grant");
            yield return new($"garbage revocation '{token}'", "POST", "/connect/revoke", Form: "client_id=spa&token=" + Uri.EscapeDataString(token), Statuses: [200, 400]);
            yield return new($"garbage id_token_hint '{token}'", "GET", "/connect/logout?id_token_hint=" + Uri.EscapeDataString(token));
            yield return new($"garbage code '{token}'", "POST", "/connect/token", Form: "grant_type=authorization_code&client_id=spa&redirect_uri=http://localhost:5173/callback&code_verifier=" + new string('v', 43) + "&code=" + Uri.EscapeDataString(token), Statuses: [400], Error: "invalid_grant");
        }

        yield return new("access token in the query", "GET", "/connect/userinfo?access_token=abc", Statuses: [400], Error: "invalid_request");
        yield return new("client's token at the admin API without ops", "GET", "/admin/users", Auth.Alice, Statuses: [401, 403]);

        // Bad paging.
        foreach (var query in new[] { "page=abc", "page=-1", "page=0", "page=2147483647", "page=99999999999", "pageSize=0", "pageSize=100000", "page=1e3", "page=%00", "pageSize=" + s_markerEncoded })
        {
            yield return new($"users list {query}", "GET", "/admin/users?" + query, Auth.Ops, Statuses: [400]);
            yield return new($"sessions {query}", "GET", "/admin/users/alice/sessions?" + query, Auth.Ops, Statuses: [400]);
            yield return new($"browser sessions {query}", "GET", "/admin/users/alice/browser-sessions?" + query, Auth.Ops, Statuses: [400]);
        }

        // Very long ids.
        var longId = new string('9', 5000);
        foreach (var path in new[] { $"/admin/users/{longId}", $"/admin/users/{longId}/sessions", $"/admin/clients/{longId}/revoke-tokens", $"/admin/sessions/{longId}" })
        {
            var method = path.EndsWith("revoke-tokens", StringComparison.Ordinal) ? "POST" : path.StartsWith("/admin/sessions", StringComparison.Ordinal) ? "DELETE" : "GET";
            yield return new($"{method} very long id {path[..20]}…", method, path, Auth.Ops, Statuses: [404]);
        }

        yield return new("unknown admin path", "GET", "/admin/nothing-here", Auth.Ops, Statuses: [404]);
        yield return new("admin without a token", "GET", "/admin/users", Statuses: [401]);
    }

    [Fact]
    public async Task Hostile_requests_are_refused_cleanly_and_the_server_stays_healthy()
    {
        var clock = Stopwatch.StartNew();
        var tokens = new TokenClient(_http);
        var ops = (await tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        var alice = (await tokens.PasswordAsync("alice", TestUsers.AlicePassword, "openid api")).ShouldSucceed().AccessToken!;
        var failures = new List<string>();
        var count = 0;
        foreach (var hostile in Cases())
        {
            count++;
            using var request = new HttpRequestMessage(new HttpMethod(hostile.Method), hostile.Path);
            var bearer = hostile.Auth switch { Auth.Ops => ops, Auth.Alice => alice, _ => hostile.Bearer };
            if (bearer is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
            }

            var body = hostile.Body ?? (hostile.Form is null ? null : Encoding.UTF8.GetBytes(hostile.Form));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                var type = hostile.ContentType ?? (hostile.Body is null ? "application/x-www-form-urlencoded" : null);
                if (type is not null)
                {
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
                }
            }

            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            failures.AddRange(Check(hostile, response, text).Select(problem => $"{hostile.Name}: {problem} [{(int)response.StatusCode} {Shorten(text)}]"));
        }

        using var ready = await _http.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        output.WriteLine($"{count} hostile requests in {clock.Elapsed.TotalSeconds:0.0} s, {failures.Count} failed checks");
        failures.ForEach(output.WriteLine);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Empty(failures);
    }

    // ---- The defects the hostile-input probe found, one test each (docs/security.md, "Protocol edges") ----

    [Fact]
    public async Task Item6_admin_paging_far_past_the_end_is_refused_not_wrapped_to_the_first_page()
    {
        var admin = new AdminClient(_http);
        foreach (var path in new[] { "/admin/users", "/admin/users/alice/sessions", "/admin/users/alice/browser-sessions" })
        {
            var (status, body) = await admin.SendAsync(HttpMethod.Get, path + "?page=2147483647");
            Assert.True(status == HttpStatusCode.BadRequest, $"{path}: {(int)status} {body}");
        }

        var last = await admin.OkAsync(HttpMethod.Get, "/admin/users?page=1000000&pageSize=200");
        Assert.Equal(0, last.GetProperty("items").GetArrayLength());
        Assert.Equal(1_000_000, last.GetProperty("pageNumber").GetInt32());
    }

    [Fact]
    public async Task Item7_a_user_name_cannot_shadow_another_users_email_or_id_and_lengths_are_bounded()
    {
        var admin = new AdminClient(_http);
        var victim = await server.CreateUserAsync();
        var victimEmail = victim.Email!;

        // Another user's e-mail or id as a user name, or an e-mail that is already taken (409): refused.
        foreach (var (shadow, expected) in new (object, HttpStatusCode)[]
        {
            (new { userName = victimEmail, password = TestUsers.Password }, HttpStatusCode.BadRequest),
            (new { userName = victim.Id, password = TestUsers.Password }, HttpStatusCode.BadRequest),
            (new { userName = "shadow-" + Guid.NewGuid().ToString("N")[..8], email = victimEmail, password = TestUsers.Password }, HttpStatusCode.Conflict),
            (new { userName = new string('n', 5000), password = TestUsers.Password }, HttpStatusCode.BadRequest),
            (new { userName = "long-mail", email = new string('e', 60_000) + "@example.test", password = TestUsers.Password }, HttpStatusCode.BadRequest),
        })
        {
            var (status, body) = await admin.SendAsync(HttpMethod.Post, "/admin/users", shadow);
            Assert.True(status == expected, $"{JsonSerializer.Serialize(shadow)[..Math.Min(80, JsonSerializer.Serialize(shadow).Length)]}: {(int)status} {Shorten(body.ToString())}");
        }

        // Lookups by e-mail and by id still find the one user they name; sign-in by e-mail too.
        Assert.Equal(victim.Id, (await admin.OkAsync(HttpMethod.Get, "/admin/users/" + Uri.EscapeDataString(victimEmail))).GetProperty("id").GetString());
        Assert.Equal(victim.Id, (await admin.OkAsync(HttpMethod.Get, "/admin/users/" + victim.Id)).GetProperty("id").GetString());
        (await new TokenClient(_http).PasswordAsync(victimEmail, TestUsers.Password)).ShouldSucceed();

        // E-mail is optional, as documented.
        var created = await admin.OkAsync(HttpMethod.Post, "/admin/users", new { userName = "no-mail-" + Guid.NewGuid().ToString("N")[..8], password = TestUsers.Password });
        Assert.Equal(JsonValueKind.Null, created.GetProperty("email").ValueKind);
    }

    [Fact]
    public async Task Item8_userinfo_refuses_a_locked_out_user_and_a_token_without_openid()
    {
        var user = await server.CreateUserAsync();
        var tokens = new TokenClient(_http);
        var withOpenId = (await tokens.PasswordAsync(user.UserName!, TestUsers.Password, "openid api")).ShouldSucceed().AccessToken!;
        var withoutOpenId = (await tokens.PasswordAsync(user.UserName!, TestUsers.Password, "api")).ShouldSucceed().AccessToken!;

        using (var noOpenId = await UserInfoAsync(withoutOpenId))
        {
            Assert.Equal(HttpStatusCode.Forbidden, noOpenId.StatusCode);
            Assert.Contains("error=\"insufficient_scope\"", noOpenId.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Equal("insufficient_scope", (await TokenClient.ReadAsync(noOpenId)).Error);
        }

        using (var fine = await UserInfoAsync(withOpenId))
        {
            Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        }

        // Locked in the store directly, as an operator's lock elsewhere would be, without revoking anything.
        await server.WithDbAsync(db => db.Users.Where(u => u.Id == user.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LockoutEnd, DateTimeOffset.MaxValue).SetProperty(u => u.LockoutEnabled, true)));
        using var locked = await UserInfoAsync(withOpenId);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Equal("invalid_token", (await TokenClient.ReadAsync(locked)).Error);
    }

    [Fact]
    public async Task Item18_bearer_with_several_spaces_is_accepted_by_userinfo_and_the_admin_api()
    {
        var tokens = new TokenClient(_http);
        var alice = (await tokens.PasswordAsync("alice", TestUsers.AlicePassword, "openid")).ShouldSucceed().AccessToken!;
        var ops = (await tokens.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;

        // Built on the server side: HttpClient re-serialises the Authorization header and would fold the spaces itself.
        foreach (var (path, token) in new[] { ("/connect/userinfo", alice), ("/admin/users", ops) })
        {
            // A run of spaces or tabs is folded alike (docs/security.md); a tab used to be refused.
            foreach (var header in new[] { "Bearer  " + token, "Bearer     " + token, "bearer  " + token, "Bearer\t" + token, "Bearer\t\t" + token, "bearer \t " + token })
            {
                var context = await server.Server.SendAsync(request =>
                {
                    request.Request.Method = HttpMethods.Get;
                    request.Request.Path = path;
                    request.Request.Headers.Authorization = header;
                }, TestContext.Current.CancellationToken);
                Assert.True(context.Response.StatusCode == StatusCodes.Status200OK, $"{path} '{header[..10].Replace("\t", "\\t", StringComparison.Ordinal)}…': {context.Response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task Item19_wrong_methods_get_405_with_allow_and_head_works_on_metadata_and_health()
    {
        foreach (var (method, path, allow) in new[]
        {
            ("GET", "/connect/token", "POST"), ("PUT", "/connect/revoke", "POST"), ("DELETE", "/connect/userinfo", "GET, POST"),
            ("PUT", "/connect/authorize", "GET, POST"), ("POST", "/.well-known/jwks", "GET, HEAD"), ("DELETE", "/health/ready", "GET, HEAD"),
            ("POST", "/health/live", "GET, HEAD"),
        })
        {
            using var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path}: {(int)response.StatusCode}");
            Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        }

        foreach (var path in new[] { "/.well-known/openid-configuration", "/.well-known/jwks", "/health/live", "/health/ready" })
        {
            using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), TestContext.Current.CancellationToken);
            Assert.True(head.StatusCode == HttpStatusCode.OK, $"HEAD {path}: {(int)head.StatusCode}");
            Assert.Empty(await head.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task Item20_every_refusal_has_a_body_and_the_admin_403_says_insufficient_scope()
    {
        var auditor = (await new TokenClient(_http).PostAsync(new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = AdminServerFactory.Auditor,
            ["client_secret"] = AdminServerFactory.AuditorSecret, ["scope"] = "audit",
        })).ShouldSucceed().AccessToken!;
        var admin = new AdminClient(_http);

        var (forbidden, body) = await admin.SendAsync(HttpMethod.Get, "/admin/users", accessToken: auditor);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal("insufficient_scope", body.GetProperty("error").GetString());

        using var forbiddenRaw = await SendAsync(HttpMethod.Get, "/admin/users", auditor);
        Assert.Contains("error=\"insufficient_scope\"", forbiddenRaw.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("scope=\"ops\"", forbiddenRaw.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        foreach (var (method, path, token, expected) in new[]
        {
            ("GET", "/admin/users", null, 401), ("GET", "/admin/users", "garbage", 401), ("GET", "/admin/users/nobody-here", "ops", 404),
            ("PUT", "/admin/users", "ops", 405), ("POST", "/admin/users", "ops", 415), ("GET", "/connect/userinfo", null, 401),
            ("GET", "/connect/userinfo", "garbage", 401),
        })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token == "ops" ? (await new TokenClient(_http).ClientCredentialsAsync()).AccessToken : token);
            }

            if (expected == 415)
            {
                request.Content = new StringContent("userName=x", Encoding.UTF8, "text/plain");
            }

            using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True((int)response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode}, expected {expected}");
            var json = text.Length > 0 ? JsonDocument.Parse(text).RootElement : default;
            Assert.True(json.ValueKind == JsonValueKind.Object && (json.TryGetProperty("error", out _) || json.TryGetProperty("title", out _)), $"{method} {path}: body '{text}'");
        }
    }

    [Fact]
    public async Task Item20_authorize_and_end_session_refusals_are_oauth_json_not_text_plain()
    {
        foreach (var path in new[]
        {
            "/connect/authorize?client_id=nobody&response_type=code&redirect_uri=http://localhost:5173/callback",
            "/connect/authorize?client_id=spa&response_type=code&redirect_uri=https://evil.example/callback",
            "/connect/logout?post_logout_redirect_uri=https://evil.example/",
        })
        {
            using var response = await _http.GetAsync(path, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("invalid_request", ErrorOf(text));
            Assert.Null(response.Headers.Location);
        }
    }

    [Fact]
    public async Task Item20_bad_input_is_logged_as_the_400_the_client_got_without_a_stack_trace()
    {
        var ops = (await new TokenClient(_http).ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        var before = server.LogEvents.Count;
        using (var paging = await SendAsync(HttpMethod.Get, "/admin/users?page=abc", ops))
        {
            Assert.Equal(HttpStatusCode.BadRequest, paging.StatusCode);
        }

        using (var values = new StringContent(string.Join('&', Enumerable.Range(0, 150).Select(i => $"f{i}=v")), Encoding.UTF8, "application/x-www-form-urlencoded"))
        using (var tooMany = await _http.PostAsync("/connect/token", values, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        }

        using (var nul = new StringContent("grant_type=password&client_id=spa&username=%00&password=%00", Encoding.UTF8, "application/x-www-form-urlencoded"))
        using (var token = await _http.PostAsync("/connect/token", nul, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, token.StatusCode);
        }

        var events = server.LogEvents.Skip(before).ToList();
        var requestLines = events.Where(e => e.MessageTemplate.Text.StartsWith("HTTP ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["400", "400", "400"], requestLines.Select(e => e.Properties["StatusCode"].ToString()));
        Assert.DoesNotContain(events, e => e.Level >= LogEventLevel.Error);
        Assert.DoesNotContain(events, e => e.Exception is not null && e.Level >= LogEventLevel.Warning);
    }

    private static IEnumerable<string> Check(Case hostile, HttpResponseMessage response, string text)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            yield return "server error";
        }

        if (hostile.Statuses is { } statuses ? !statuses.Contains(status) : status is < 400 and not 302 and not 200)
        {
            yield return $"status {status}, expected {(hostile.Statuses is null ? "a refusal" : string.Join(" or ", hostile.Statuses))}";
        }

        if (status >= 400 && text.Length == 0)
        {
            yield return "refusal without a body";
        }

        if (status >= 400 && response.Content.Headers.ContentType?.MediaType == "text/plain")
        {
            yield return "text/plain refusal";
        }

        if (hostile.Error is not null && ErrorOf(text) != hostile.Error)
        {
            yield return $"error '{ErrorOf(text)}', expected '{hostile.Error}'";
        }

        if (text.Contains("Exception", StringComparison.Ordinal) || text.Contains("   at ", StringComparison.Ordinal) || text.Contains("System.", StringComparison.Ordinal))
        {
            yield return "stack trace or exception type in the body";
        }

        if (text.Contains(Marker, StringComparison.Ordinal) || text.Contains("<svg", StringComparison.OrdinalIgnoreCase))
        {
            yield return "input reflected unencoded";
        }

        var personal = hostile.Path.StartsWith("/connect", StringComparison.Ordinal) || hostile.Path.StartsWith("/admin", StringComparison.Ordinal)
            || hostile.Path.StartsWith("/account", StringComparison.Ordinal);
        if ((personal || status >= 400) && response.Headers.CacheControl?.NoStore != true)
        {
            yield return $"Cache-Control '{response.Headers.CacheControl}', expected no-store";
        }
    }

    private static string? ErrorOf(string text)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static string Shorten(string text) => text.Length > 160 ? text[..160] + "…" : text;

    private async Task<HttpResponseMessage> UserInfoAsync(string token) => await SendAsync(HttpMethod.Get, "/connect/userinfo", token);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }
}
