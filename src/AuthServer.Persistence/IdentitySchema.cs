using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AuthServer.Persistence;

/// <summary>
/// Identity's tables come in versions, and the passkeys table only from version 3. Identity's context reads the version
/// from the application's IdentityOptions, not from the context: the host sets it (Users/UsersSetup), and a context built
/// outside the host (design-time migrations, tools, tests) takes it from here, or it would silently build the older model.
/// </summary>
public static class IdentitySchema
{
    public static readonly Version Version = IdentitySchemaVersions.Version3;

    /// <summary>Shadow column of the passkeys table: when the passkey last signed its user in (UTC).</summary>
    public const string LastUsedAt = "LastUsedAt";

    private static readonly IServiceProvider s_services = new ServiceCollection()
        .Configure<IdentityOptions>(options => options.Stores.SchemaVersion = Version)
        .BuildServiceProvider();

    /// <summary>For a context built outside the host: the one setting Identity's model needs from the application's services.</summary>
    public static DbContextOptionsBuilder<AuthDbContext> WithIdentitySchema(this DbContextOptionsBuilder<AuthDbContext> options) =>
        options.UseApplicationServiceProvider(s_services);
}
