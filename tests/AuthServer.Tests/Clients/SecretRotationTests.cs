using System.Net;
using System.Text.Json;
using AuthServer.Contracts;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Tests;

/// <summary>Rotating a client secret: both secrets work during the overlap, only the new one after, and no restart brings the old one back.</summary>
public sealed class SecretRotationTests : IDisposable
{
    private readonly CatalogServerFactory _server = new(version: 1);

    [Fact]
    public async Task Both_secrets_work_during_the_overlap_and_only_the_new_one_after_it()
    {
        var client = _server.Start();
        var rotated = await new AdminClient(_server.CreateClient()).OkAsync(HttpMethod.Post, $"/admin/clients/{CatalogServerFactory.Partner}/rotate-secret");
        var secret = rotated.GetProperty("clientSecret").GetString()!;
        Assert.Equal(_server.Clock.GetUtcNow() + TimeSpan.FromHours(1), rotated.GetProperty("previousSecretValidUntil").GetDateTimeOffset());

        (await CatalogServerFactory.PartnerTokenAsync(client, CatalogServerFactory.PartnerSecret)).ShouldSucceed();
        (await CatalogServerFactory.PartnerTokenAsync(client, secret)).ShouldSucceed();
        Assert.True(_server.Logged(1109, CatalogServerFactory.Partner), "use of the previous secret is not reported");

        _server.Clock.Advance(TimeSpan.FromMinutes(61));
        (await CatalogServerFactory.PartnerTokenAsync(client, CatalogServerFactory.PartnerSecret)).ShouldFail(HttpStatusCode.Unauthorized, "invalid_client");
        (await CatalogServerFactory.PartnerTokenAsync(client, secret)).ShouldSucceed();

        Assert.True(_server.Logged(2009, CatalogServerFactory.Partner));
        Assert.DoesNotContain(_server.LogEvents, e => e.RenderMessage().Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_restart_with_the_old_configured_secret_does_not_bring_it_back_even_with_a_newer_version()
    {
        _server.Start();
        var rotated = await new AdminClient(_server.CreateClient())
            .OkAsync(HttpMethod.Post, $"/admin/clients/{CatalogServerFactory.Partner}/rotate-secret", new { overlapMinutes = 0 });
        var secret = rotated.GetProperty("clientSecret").GetString()!;

        using var restarted = new CatalogServerFactory(version: 1, sameDatabaseAs: _server);
        var client = restarted.Start();
        (await CatalogServerFactory.PartnerTokenAsync(client, CatalogServerFactory.PartnerSecret)).ShouldFail(HttpStatusCode.Unauthorized, "invalid_client");
        (await CatalogServerFactory.PartnerTokenAsync(client, secret)).ShouldSucceed();
        Assert.True(restarted.Logged(1106, CatalogServerFactory.Partner));

        using var upgraded = new CatalogServerFactory(version: 2, sameDatabaseAs: _server);
        client = upgraded.Start();
        (await CatalogServerFactory.PartnerTokenAsync(client, CatalogServerFactory.PartnerSecret)).ShouldFail(HttpStatusCode.Unauthorized, "invalid_client");
        (await CatalogServerFactory.PartnerTokenAsync(client, secret)).ShouldSucceed();
        Assert.True(upgraded.Logged(1107, CatalogServerFactory.Partner));
    }

    [Fact]
    public async Task Rotate_secret_from_the_cli_prints_the_new_secret_once_and_it_works()
    {
        var client = _server.Start();

        var (code, json, error) = await RunAsync("rotate-secret", "--client", CatalogServerFactory.Partner, "--overlap-minutes", "5", "--json");
        Assert.True(code == ExitCodes.Success, error);
        var secret = JsonDocument.Parse(json).RootElement.GetProperty("clientSecret").GetString()!;
        (await CatalogServerFactory.PartnerTokenAsync(client, secret)).ShouldSucceed();

        var (_, text, _) = await RunAsync("rotate-secret", "--client", CatalogServerFactory.Partner);
        var lines = text.Split('\n');
        Assert.StartsWith("New secret of client partner", lines[0], StringComparison.Ordinal);
        (await CatalogServerFactory.PartnerTokenAsync(client, lines[1])).ShouldSucceed();

        // Longer than Catalog:SecretOverlap, and a client without a secret: refused, with the reason.
        Assert.Equal(ExitCodes.Rejected, (await RunAsync("rotate-secret", "--client", CatalogServerFactory.Partner, "--overlap-minutes", "61")).Code);
        var (publicCode, _, publicError) = await RunAsync("rotate-secret", "--client", TokenClient.Spa);
        Assert.Equal(ExitCodes.Rejected, publicCode);
        Assert.Contains("no secret to rotate", publicError, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("rotate-secret", "--client", "nobody")).Code);
    }

    public void Dispose() => _server.Dispose();

    private async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Cli.Cli.RunAsync([.. args, "--client-id", TokenClient.Ops, "--client-secret", TokenClient.OpsSecret], output, error, _server.CreateClient(), _ => null);
        return (code, output.ToString(), error.ToString());
    }
}
