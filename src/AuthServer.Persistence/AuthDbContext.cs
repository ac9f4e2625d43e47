using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Persistence;

/// <summary>
/// The one store of the server: Identity users and roles, OpenIddict applications, scopes,
/// authorizations and tokens, and the Data Protection key ring shared by every instance.
/// </summary>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options)
    : IdentityDbContext<IdentityUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<SignInThrottleEntry> SignInThrottles => Set<SignInThrottleEntry>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();

        // Identity already indexes NormalizedUserName (unique) and NormalizedEmail.
        // OpenIddict indexes ReferenceId (unique), (ApplicationId, Status, Subject, Type) on both
        // tables and AuthorizationId; what it lacks is what revocation by user and pruning filter on.
        builder.Entity<OpenIddictEntityFrameworkCoreToken>(token =>
        {
            token.HasIndex(t => t.Subject);
            token.HasIndex(t => t.ExpirationDate);
        });
        builder.Entity<OpenIddictEntityFrameworkCoreAuthorization>(authorization =>
        {
            authorization.HasIndex(a => a.Subject);
            authorization.HasIndex(a => a.CreationDate);
        });
        builder.Entity<SignInThrottleEntry>(throttle =>
        {
            throttle.ToTable("SignInThrottles");
            throttle.HasKey(t => t.Key);
            throttle.Property(t => t.Key).HasMaxLength(SignInThrottleEntry.KeyLength).IsUnicode(false);
            throttle.HasIndex(t => t.UpdatedAt);
        });
    }
}
