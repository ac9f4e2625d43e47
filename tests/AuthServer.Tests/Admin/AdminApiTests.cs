using System.Net;
using System.Text.Json;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;

namespace AuthServer.Tests;

public sealed class AdminApiTests(AdminServerFactory server) : IClassFixture<AdminServerFactory>
{
    private readonly TokenClient _client = new(server.CreateClient());
    private readonly AdminClient _admin = new(server.CreateClient());

    [Fact]
    public async Task Revoking_alice_kills_both_of_her_sessions_and_leaves_bobs_working()
    {
        // The class shares one server and xunit does not run its tests in file order: another test may have signed alice in.
        await _admin.OkAsync(HttpMethod.Post, "/admin/users/alice/revoke-tokens");
        var laptop = (await _client.PasswordAsync("alice", TestUsers.AlicePassword)).ShouldSucceed();
        var phone = (await _client.PasswordAsync("alice", TestUsers.AlicePassword)).ShouldSucceed();
        var bob = (await _client.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();

        var counts = await _admin.OkAsync(HttpMethod.Post, "/admin/users/alice/revoke-tokens");

        Assert.Equal(2, counts.GetProperty("tokens").GetInt32());
        Assert.Equal(2, counts.GetProperty("authorizations").GetInt32());
        (await _client.RefreshAsync(laptop.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(phone.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(bob.RefreshToken!)).ShouldSucceed();
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2007 && e.RenderMessage().Contains("operator \"ops\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_token_the_admin_api_answers_401()
    {
        using var response = await _client.Http.PostAsync("/admin/users/alice/revoke-tokens", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_forged_token_and_a_token_for_another_audience_answer_401()
    {
        var user = await server.CreateUserAsync();
        var apiToken = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed().AccessToken!;

        Assert.Equal(HttpStatusCode.Unauthorized, (await _admin.SendAsync(HttpMethod.Get, "/admin/users", accessToken: "not-a-token")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _admin.SendAsync(HttpMethod.Get, "/admin/users", accessToken: apiToken)).Status);
    }

    [Fact]
    public async Task A_token_for_the_admin_audience_without_the_ops_scope_answers_403()
    {
        var token = await AuditorTokenAsync();

        var (status, _) = await _admin.SendAsync(HttpMethod.Post, "/admin/users/bob/revoke-tokens", accessToken: token);

        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task A_user_in_the_admin_role_gets_the_ops_scope_and_uses_the_admin_api_while_others_do_not()
    {
        var alice = (await _client.PasswordAsync("alice", TestUsers.AlicePassword, "ops")).ShouldSucceed();
        var bob = (await _client.PasswordAsync("bob", TestUsers.BobPassword, "ops api")).ShouldSucceed();

        // RFC 6749 §3.3: bob asked for ops but holds no admin role, so his token comes without it.
        Assert.Equal("ops", AccessTokenBehaviour.Payload(alice.AccessToken!)["scope"].GetString());
        Assert.Equal("api", AccessTokenBehaviour.Payload(bob.AccessToken!)["scope"].GetString());
        Assert.Equal("api", bob.Get("scope"));
        Assert.Equal(HttpStatusCode.OK, (await _admin.SendAsync(HttpMethod.Get, "/admin/users", accessToken: alice.AccessToken)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _admin.SendAsync(HttpMethod.Get, "/admin/users", accessToken: bob.AccessToken)).Status);
    }

    [Fact]
    public async Task Sessions_lists_live_authorizations_with_client_and_token_counts_and_one_can_be_revoked()
    {
        var user = await server.CreateUserAsync();
        var laptop = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        var phone = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        server.Clock.Advance(TimeSpan.FromMinutes(1));
        phone = (await _client.RefreshAsync(phone.RefreshToken!)).ShouldSucceed();

        var page = await _admin.OkAsync(HttpMethod.Get, $"/admin/users/{user.Email}/sessions");

        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var sessions = page.GetProperty("items").EnumerateArray().ToList();
        Assert.All(sessions, s => Assert.Equal("spa", s.GetProperty("clientId").GetString()));
        Assert.Equal([1, 2], sessions.Select(s => s.GetProperty("tokens").GetInt32()).Order());
        Assert.All(sessions, s => Assert.Equal(1, s.GetProperty("liveTokens").GetInt32()));
        Assert.All(sessions, s => Assert.True(s.GetProperty("expires").GetDateTime() > s.GetProperty("created").GetDateTime()));

        var phoneSession = sessions.Single(s => s.GetProperty("tokens").GetInt32() == 2).GetProperty("id").GetString();
        var revoked = await _admin.OkAsync(HttpMethod.Delete, $"/admin/sessions/{phoneSession}");

        Assert.Equal(2, revoked.GetProperty("tokens").GetInt32());
        (await _client.RefreshAsync(phone.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(laptop.RefreshToken!)).ShouldSucceed();
        var after = await _admin.OkAsync(HttpMethod.Get, $"/admin/users/{user.Id}/sessions?page=1&pageSize=10");
        Assert.Equal(1, after.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Unknown_users_sessions_and_clients_answer_404_problem_details_and_bad_paging_400()
    {
        var (user, userBody) = await _admin.SendAsync(HttpMethod.Post, "/admin/users/nobody-here/revoke-tokens");
        var (session, _) = await _admin.SendAsync(HttpMethod.Delete, $"/admin/sessions/{Guid.NewGuid()}");
        var (client, _) = await _admin.SendAsync(HttpMethod.Post, "/admin/clients/no-such-client/revoke-tokens");
        var (paging, pagingBody) = await _admin.SendAsync(HttpMethod.Get, "/admin/users?page=0&pageSize=100000");
        var (body, _) = await _admin.SendAsync(HttpMethod.Post, "/admin/users", new { userName = "" });

        Assert.Equal(HttpStatusCode.NotFound, user);
        Assert.Equal("Unknown user", userBody.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NotFound, session);
        Assert.Equal(HttpStatusCode.NotFound, client);
        Assert.Equal(HttpStatusCode.BadRequest, paging);
        Assert.True(pagingBody.TryGetProperty("errors", out _));
        Assert.Equal(HttpStatusCode.BadRequest, body);
    }

    [Fact]
    public async Task A_malformed_json_body_is_a_problem_details_400_not_a_500()
    {
        using var token = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        var accessToken = (await _client.ClientCredentialsAsync()).ShouldSucceed().AccessToken!;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/users") { Content = token };
        request.Headers.Authorization = new("Bearer", accessToken);

        using var response = await _client.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Revoking_a_client_kills_every_session_issued_to_it()
    {
        var first = (await _client.PasswordAsync((await server.CreateUserAsync()).UserName!, TestUsers.Password)).ShouldSucceed();
        var second = (await _client.PasswordAsync((await server.CreateUserAsync()).UserName!, TestUsers.Password)).ShouldSucceed();

        var counts = await _admin.OkAsync(HttpMethod.Post, "/admin/clients/spa/revoke-tokens");

        Assert.True(counts.GetProperty("tokens").GetInt32() >= 2);
        (await _client.RefreshAsync(first.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.RefreshAsync(second.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.PasswordAsync("bob", TestUsers.BobPassword)).ShouldSucceed();
    }

    [Fact]
    public async Task Locking_revokes_and_refuses_sign_in_and_unlocking_lets_the_user_back()
    {
        var user = await server.CreateUserAsync();
        var tokens = (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();

        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.UserName}/lock");

        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.True((await _admin.OkAsync(HttpMethod.Get, $"/admin/users/{user.Id}")).GetProperty("lockedOut").GetBoolean());

        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{user.UserName}/unlock");

        (await _client.PasswordAsync(user.UserName!, TestUsers.Password)).ShouldSucceed();
        Assert.True(await server.WithDbAsync(db => Task.FromResult(db.Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>()
            .Any(t => t.Subject == user.Id && t.Status == "revoked"))));
    }

    [Fact]
    public async Task Users_can_be_created_found_reset_and_deleted_and_reset_and_delete_revoke()
    {
        var name = $"carol-{Guid.NewGuid():N}"[..14];
        var created = await _admin.OkAsync(HttpMethod.Post, "/admin/users", new { userName = name, email = $"{name}@example.test", password = TestUsers.Password });
        var id = created.GetProperty("id").GetString()!;
        var tokens = (await _client.PasswordAsync(name, TestUsers.Password)).ShouldSucceed();

        var found = await _admin.OkAsync(HttpMethod.Get, $"/admin/users?search={name[..10]}&pageSize=5");
        Assert.Equal(1, found.GetProperty("total").GetInt32());
        Assert.Equal(id, found.GetProperty("items")[0].GetProperty("id").GetString());

        var (weak, weakBody) = await _admin.SendAsync(HttpMethod.Post, $"/admin/users/{id}/reset-password", new { password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak);
        Assert.True(weakBody.TryGetProperty("errors", out _));

        await _admin.OkAsync(HttpMethod.Post, $"/admin/users/{id}/reset-password", new { password = "A-New-Password-99" });
        (await _client.RefreshAsync(tokens.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        var fresh = (await _client.PasswordAsync(name, "A-New-Password-99")).ShouldSucceed();

        await _admin.OkAsync(HttpMethod.Delete, $"/admin/users/{id}");
        (await _client.RefreshAsync(fresh.RefreshToken!)).ShouldFail(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.SendAsync(HttpMethod.Get, $"/admin/users/{id}")).Status);
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2008 && e.RenderMessage().Contains("user-deleted", StringComparison.Ordinal));
        Assert.Contains(server.LogEvents, e => LogEventIds.Of(e) == 2009 && e.RenderMessage().Contains("password-reset", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_admin_api_and_needs_the_operator_token()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.Http.GetAsync("/admin/openapi/admin.json", TestContext.Current.CancellationToken)).StatusCode);

        var document = await _admin.OkAsync(HttpMethod.Get, "/admin/openapi/admin.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/admin/users/{user}/revoke-tokens", paths);
        Assert.Contains("/admin/prune", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/connect", StringComparison.Ordinal));
    }

    // Every 4xx of the admin API is problem details, 401 and 403 included.
    [Fact]
    public async Task Refusals_without_a_token_or_without_the_operator_scope_are_problem_details()
    {
        var token = await AuditorTokenAsync();

        using var anonymous = await _client.Http.GetAsync("/admin/users", TestContext.Current.CancellationToken);
        var (forbidden, forbiddenBody) = await _admin.SendAsync(HttpMethod.Get, "/admin/users", accessToken: token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        using var anonymousBody = JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(401, anonymousBody.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal(403, forbiddenBody.GetProperty("status").GetInt32());
        Assert.Equal("insufficient_scope", forbiddenBody.GetProperty("error").GetString());
    }

    // The request records' annotations are checked by the framework, naming the field.
    [Fact]
    public async Task A_user_without_a_password_is_refused_by_validation_naming_the_field()
    {
        var (status, body) = await _admin.SendAsync(HttpMethod.Post, "/admin/users", new { userName = "no-password" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var fields = body.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.Contains(fields, name => name.Equals("password", StringComparison.OrdinalIgnoreCase));
        IdentityUser? created = null;
        await server.WithUsersAsync(async users => created = await users.FindByNameAsync("no-password"));
        Assert.Null(created);
    }

    /// <summary>A token for the admin audience without the operator scope.</summary>
    private async Task<string> AuditorTokenAsync() => (await _client.PostAsync(new()
    {
        ["grant_type"] = "client_credentials", ["client_id"] = AdminServerFactory.Auditor,
        ["client_secret"] = AdminServerFactory.AuditorSecret, ["scope"] = "audit",
    })).ShouldSucceed().AccessToken!;
}
