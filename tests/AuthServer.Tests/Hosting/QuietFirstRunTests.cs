using AuthServer.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Serilog.Events;

namespace AuthServer.Tests.Hosting;

/// <summary>
/// The first start of a fresh clone (Development, new SQLite file) warns of nothing a newcomer could act on: not the foreign-key
/// pragmas of CompactTokenStorage's table rebuilds, not the unencrypted key ring that Development keeps on purpose.
/// </summary>
public sealed class QuietFirstRunTests
{
    [Fact]
    public async Task A_development_first_start_logs_no_warning_and_its_key_ring_is_marked_unencrypted_on_purpose()
    {
        using var server = new AuthServerFactory();
        var client = server.CreateTokenClient();
        (await client.PasswordAsync((await server.CreateUserAsync()).UserName!, TestUsers.Password)).ShouldSucceed();

        Assert.Empty(server.LogEvents.Where(e => e.Level >= LogEventLevel.Warning).Select(e => e.RenderMessage()));
        var ring = await server.WithDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync());
        Assert.NotEmpty(ring);
        Assert.All(ring, xml => Assert.Contains("<unencryptedKey", xml, StringComparison.Ordinal));
    }
}
