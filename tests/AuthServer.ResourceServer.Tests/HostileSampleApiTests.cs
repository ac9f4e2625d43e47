using System.Text.Json;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// Hostile input at the sample APIs (docs/security.md, "Protocol edges"): both accept the bearer headers AuthServer's
/// own endpoints accept (RFC 6750 §2.1, `Bearer 1*SP token`), and every refusal carries a JSON body with its RFC 6750
/// §3.1 error code.
/// </summary>
public sealed class HostileSampleApiTests(ResourceServers servers, ITestOutputHelper output) : IClassFixture<ResourceServers>
{
    public static TheoryData<Sample> Samples => [Sample.JwtBearer, Sample.OpenIddict];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Item18_a_bearer_header_with_several_spaces_is_accepted(Sample sample)
    {
        var token = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api");

        foreach (var header in new[] { "Bearer " + token, "Bearer  " + token, "Bearer     " + token, "bearer  " + token, "Bearer\t" + token, "Bearer \t " + token })
        {
            var context = await servers.SendRawAsync(sample, request =>
            {
                request.Request.Method = HttpMethods.Get;
                request.Request.Path = "/api/me";
                request.Request.Headers.Authorization = header;
            });
            Assert.True(context.Response.StatusCode == StatusCodes.Status200OK, $"'{header[..12]}…': {context.Response.StatusCode}");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Item20_every_refusal_has_a_json_body_with_an_oauth_error(Sample sample)
    {
        var bob = await servers.AccessTokenAsync("bob", TestUsers.BobPassword, "openid api");
        var reportsOnly = await servers.AccessTokenAsync("alice", TestUsers.AlicePassword, "openid api.reports");
        (HttpMethod Method, string Path, string? Header, int Status, string Error)[] cases =
        [
            (HttpMethod.Get, "/api/me", null, 401, "invalid_token"),
            (HttpMethod.Get, "/api/me", "Bearer not-a-token", 401, "invalid_token"),
            (HttpMethod.Get, "/api/me", "Bearer " + reportsOnly, 403, "insufficient_scope"),
            (HttpMethod.Get, "/api/admin", "Bearer " + bob, 403, "insufficient_scope"),
        ];
        var ran = 0;
        foreach (var (method, path, header, status, error) in cases)
        {
            ran++;
            using var response = await SendAsync(sample, method, path, header);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True((int)response.StatusCode == status, $"{method} {path}: {(int)response.StatusCode}, expected {status}");
            Assert.True(text.Length > 0, $"{method} {path}: no body");
            var actual = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString();
            Assert.True(actual == error || (sample == Sample.OpenIddict && status == 403 && actual == "insufficient_access"), $"{method} {path}: error {actual}");
            // A refusal names the Bearer scheme's error; a 401 also offers DPoP, with its algorithms (RFC 9449 §7.1).
            Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
            Assert.True(status != 401 || response.Headers.WwwAuthenticate.Any(c => c.Scheme == "DPoP" && c.Parameter!.Contains("algs=", StringComparison.Ordinal)), $"{method} {path}: no DPoP challenge");
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{method} {path}: Cache-Control {response.Headers.CacheControl}");
        }

        output.WriteLine($"{sample}: {ran} refusals checked");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Hostile_headers_and_methods_never_break_a_sample_api(Sample sample)
    {
        string[] headers =
        [
            "Bearer", "Bearer ", "Bearer\t", "Bearer \t x", "Bearer %00", "Bearer <svg/onload=1>", "Basic Og==", "Bearer a b c",
            "Bearer " + new string('x', 16 * 1024), "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", "Bearer ....",
        ];
        string[] paths = ["/api/me", "/api/admin", "/api/reports"];
        HttpMethod[] methods = [HttpMethod.Get, HttpMethod.Post, HttpMethod.Delete];
        var ran = 0;
        foreach (var path in paths)
        {
            foreach (var method in methods)
            {
                foreach (var header in headers)
                {
                    ran++;
                    using var response = await SendAsync(sample, method, path, header);
                    var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                    var status = (int)response.StatusCode;
                    Assert.True(status is >= 400 and < 500, $"{method} {path} '{header[..Math.Min(20, header.Length)]}': {status}");
                    Assert.True(text.Length > 0, $"{method} {path}: {status} without a body");
                    Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
                    Assert.DoesNotContain("<svg", text, StringComparison.Ordinal);
                }
            }
        }

        output.WriteLine($"{sample}: {ran} hostile requests");
    }

    private async Task<HttpResponseMessage> SendAsync(Sample sample, HttpMethod method, string path, string? header)
    {
        using var client = servers.Api(sample);
        using var request = new HttpRequestMessage(method, path);
        if (header is not null)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", header));
        }

        return await client.SendAsync(request);
    }
}
