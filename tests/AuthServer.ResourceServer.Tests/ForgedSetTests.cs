using System.Net;
using System.Text.Json.Nodes;
using AuthServer.ResourceServer.Tests.Infrastructure;
using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using static AuthServer.ResourceServer.Tests.Infrastructure.FeedServers;

namespace AuthServer.ResourceServer.Tests;

/// <summary>
/// A forged or unsigned security event token never changes what an API accepts, and the API's rejection (setErrs) is
/// recorded by the server for that stream: each way to forge one, at both samples.
/// </summary>
public sealed class ForgedSetTests(FeedServers feed) : IClassFixture<FeedServers>
{
    public static TheoryData<Sample, string> Forgeries()
    {
        var data = new TheoryData<Sample, string>();
        foreach (var sample in Enum.GetValues<Sample>())
        {
            foreach (var forgery in new[] { "alg-none", "flipped-signature", "unpublished-key", "other-audience", "typ-jwt" })
            {
                data.Add(sample, forgery);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_or_unsigned_set_is_reported_back_and_changes_nothing(Sample sample, string forgery)
    {
        using var serverKey = feed.Server.ServerKey();
        var backchannel = new Backchannel(feed.Server) { TamperSets = set => Forge(set, forgery, serverKey) };
        using var api = feed.Start(sample, backchannel);
        var victim = await feed.Server.CreateUserAsync();
        var token = (await feed.SignInAsync(victim.UserName!)).AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));

        await feed.Admin.OkAsync(HttpMethod.Post, $"/admin/users/{victim.Id}/revoke-tokens");

        // The receiver answers the forged SET with setErrs; the server records it for that stream.
        var error = await EventuallyAsync(() => feed.Server.WithDbAsync(db => db.SecurityEventAcks
            .Where(a => a.Error != null && db.SecurityEvents.Any(e => e.Id == a.EventId && e.Subject == victim.Id)).Select(a => a.Error).FirstOrDefaultAsync()));
        Assert.Equal(forgery switch { "other-audience" => "invalid_audience", "unpublished-key" => "invalid_key", _ => "authentication_failed" }, error);
        Assert.Equal(HttpStatusCode.OK, await CallAsync(api, token));
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        T? value = null;
        await Eventually.TrueAsync(async () => (value = await probe()) is not null, "The server never recorded the receiver's error for the forged SET");
        return value!;
    }

    private static string Forge(string set, string forgery, System.Security.Cryptography.RSA serverKey)
    {
        var parts = set.Split('.');
        switch (forgery)
        {
            case "alg-none":
                var none = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject();
                none["alg"] = "none";
                return $"{Base64UrlEncoder.Encode(none.ToJsonString())}.{parts[1]}.";
            case "flipped-signature":
                var signature = Base64UrlEncoder.DecodeBytes(parts[2]);
                signature[signature.Length / 2] ^= 0x01;
                return $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(signature)}";
            case "unpublished-key":
                return Forger.WithRandomKid(set);
            case "other-audience":
                var claims = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
                claims["aud"] = "another-api";
                return Forger.Resign($"{parts[0]}.{Base64UrlEncoder.Encode(claims.ToJsonString())}.{parts[2]}", serverKey);
            case "typ-jwt":
                return Forger.Resign(set, serverKey, typ: "JWT");
            default:
                throw new ArgumentOutOfRangeException(nameof(forgery));
        }
    }
}
