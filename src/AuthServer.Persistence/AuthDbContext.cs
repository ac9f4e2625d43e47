using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;

namespace AuthServer.Persistence;

/// <summary>
/// The one store of the server: Identity users, roles and passkeys (<see cref="IdentitySchema"/>), OpenIddict applications, scopes,
/// authorizations and tokens, the Data Protection key ring and the managed signing and encryption keys shared by every instance.
/// </summary>
public sealed class AuthDbContext(DbContextOptions<AuthDbContext> options)
    : IdentityDbContext<IdentityUser>(options), IDataProtectionKeyContext
{
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<SignInThrottleEntry> SignInThrottles => Set<SignInThrottleEntry>();

    public DbSet<OneTimeUse> OneTimeUses => Set<OneTimeUse>();

    public DbSet<AccountEvent> AccountEvents => Set<AccountEvent>();

    public DbSet<BrowserSession> BrowserSessions => Set<BrowserSession>();

    public DbSet<BrowserSessionGrant> BrowserSessionGrants => Set<BrowserSessionGrant>();

    public DbSet<BackchannelLogoutNotice> BackchannelLogoutNotices => Set<BackchannelLogoutNotice>();

    public DbSet<SecurityEvent> SecurityEvents => Set<SecurityEvent>();

    public DbSet<EventStreamRegistration> SecurityEventStreams => Set<EventStreamRegistration>();

    public DbSet<SecurityEventAck> SecurityEventAcks => Set<SecurityEventAck>();

    public DbSet<ManagedKey> ManagedKeys => Set<ManagedKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();

        // Identity already indexes NormalizedUserName (unique) and NormalizedEmail (made unique below). OpenIddict indexes its keys,
        // ReferenceId (unique) and (ApplicationId, Status, Subject, Type) on both tables; CompactStorage says which of the
        // token table's stay. What it lacks: pruning's ExpirationDate, and revocation by user's authorization Subject.
        builder.Entity<OpenIddictEntityFrameworkCoreToken>(token => token.HasIndex(t => t.ExpirationDate));

        // An e-mail names one user (sign-in and admin lookups by e-mail): unique in the schema, so two concurrent creations
        // cannot both pass the validator's check. E-mail is optional: SQL Server filters NULLs out (EF's convention), SQLite allows many.
        builder.Entity<IdentityUser>(user => user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("EmailIndex").IsUnique());
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
        builder.Entity<OneTimeUse>(use =>
        {
            use.ToTable("OneTimeUses");
            use.HasKey(u => u.Key);
            use.Property(u => u.Key).HasMaxLength(OneTimeUse.KeyLength).IsUnicode(false);
            use.HasIndex(u => u.ExpiresAt);
        });

        // When a passkey last signed its user in, for the account page (Identity's own passkey data has no such date).
        builder.Entity<IdentityUserPasskey<string>>().Property<DateTime?>(IdentitySchema.LastUsedAt);
        builder.Entity<AccountEvent>(e =>
        {
            e.ToTable("AccountEvents");
            e.HasKey(x => x.Id);
            e.Property(x => x.UserId).HasMaxLength(450);
            e.Property(x => x.Kind).HasMaxLength(AccountEvent.KindLength).IsUnicode(false);
            e.Property(x => x.Method).HasMaxLength(AccountEvent.MethodLength).IsUnicode(false);
            e.Property(x => x.Source).HasMaxLength(AccountEvent.SourceLength).IsUnicode(false);
            e.Property(x => x.ClientId).HasMaxLength(AccountEvent.ClientIdLength);
            e.Property(x => x.Detail).HasMaxLength(AccountEvent.DetailLength);

            // The account page reads one user's newest; pruning deletes by date.
            e.HasIndex(x => new { x.UserId, x.OccurredAt });
            e.HasIndex(x => x.OccurredAt);
        });
        builder.Entity<BrowserSession>(session =>
        {
            session.HasKey(s => s.Id);
            session.Property(s => s.Id).HasMaxLength(BrowserSession.IdLength).IsUnicode(false);
            session.Property(s => s.UserId).HasMaxLength(450);
            session.Property(s => s.ClientId).HasMaxLength(BrowserSession.ClientIdLength);
            session.Property(s => s.SourceAddress).HasMaxLength(64).IsUnicode(false);
            session.Property(s => s.UserAgent).HasMaxLength(BrowserSession.UserAgentLength);
            session.Property(s => s.EndReason).HasMaxLength(32).IsUnicode(false);
            session.HasIndex(s => s.UserId);
            session.HasIndex(s => s.ExpiresAt);
            session.HasMany(s => s.Grants).WithOne().HasForeignKey(g => g.SessionId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<BrowserSessionGrant>(grant =>
        {
            grant.HasKey(g => new { g.SessionId, g.AuthorizationId });
            grant.Property(g => g.SessionId).HasMaxLength(BrowserSession.IdLength).IsUnicode(false);
            grant.Property(g => g.AuthorizationId).HasMaxLength(100);
            grant.Property(g => g.ClientId).HasMaxLength(100);
            grant.HasIndex(g => g.AuthorizationId);
        });
        CompactStorage.Configure(builder, Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite");
        builder.Entity<BackchannelLogoutNotice>(notice =>
        {
            notice.ToTable("BackchannelLogoutNotices");
            notice.HasKey(n => n.Id);
            notice.Property(n => n.ClientId).HasMaxLength(100);
            notice.Property(n => n.Uri).HasMaxLength(BackchannelLogoutNotice.UriLength);
            notice.Property(n => n.Subject).HasMaxLength(450);
            notice.Property(n => n.SessionId).HasMaxLength(BrowserSession.IdLength).IsUnicode(false);
            notice.Property(n => n.LastError).HasMaxLength(BackchannelLogoutNotice.ErrorLength);

            // The sender's poll: pending rows that are due. Pruning filters on the two end dates.
            notice.HasIndex(n => new { n.DeliveredAt, n.AbandonedAt, n.NextAttemptAt });
            notice.HasIndex(n => n.CreatedAt);
        });
        builder.Entity<SecurityEvent>(e =>
        {
            e.ToTable("SecurityEvents");
            e.HasKey(x => x.Id);
            e.Property(x => x.Jti).HasMaxLength(SecurityEvent.JtiLength).IsUnicode(false);
            e.Property(x => x.Txn).HasMaxLength(SecurityEvent.JtiLength).IsUnicode(false);
            e.Property(x => x.Type).HasMaxLength(SecurityEvent.TypeLength).IsUnicode(false);
            e.Property(x => x.Subject).HasMaxLength(450);
            e.Property(x => x.SessionId).HasMaxLength(SecurityEvent.SessionIdLength);
            e.Property(x => x.ClientId).HasMaxLength(100);
            e.Property(x => x.Reason).HasMaxLength(SecurityEvent.ReasonLength).IsUnicode(false);
            e.Property(x => x.InitiatingEntity).HasMaxLength(16).IsUnicode(false);
            e.HasIndex(x => x.Jti).IsUnique();

            // Polls read the live events (ExpiresAt > now) in Id order; pruning deletes the expired ones.
            e.HasIndex(x => x.ExpiresAt);
        });
        builder.Entity<EventStreamRegistration>(stream =>
        {
            stream.ToTable("SecurityEventStreams");
            stream.HasKey(s => s.Id);
            stream.Property(s => s.Id).HasMaxLength(EventStreamRegistration.IdLength).IsUnicode(false);
            stream.Property(s => s.ClientId).HasMaxLength(100);
            stream.Property(s => s.Description).HasMaxLength(EventStreamRegistration.DescriptionLength);
            stream.HasIndex(s => s.ClientId);
            stream.HasIndex(s => s.LastPolledAt);
        });
        builder.Entity<SecurityEventAck>(ack =>
        {
            ack.ToTable("SecurityEventAcks");
            ack.HasKey(a => new { a.StreamId, a.EventId });
            ack.Property(a => a.StreamId).HasMaxLength(EventStreamRegistration.IdLength).IsUnicode(false);
            ack.Property(a => a.Error).HasMaxLength(SecurityEventAck.ErrorLength).IsUnicode(false);
            ack.HasIndex(a => a.EventId);
            ack.HasOne<EventStreamRegistration>().WithMany().HasForeignKey(a => a.StreamId).OnDelete(DeleteBehavior.Cascade);
            ack.HasOne<SecurityEvent>().WithMany().HasForeignKey(a => a.EventId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<ManagedKey>(key =>
        {
            key.ToTable("ManagedKeys");
            key.HasKey(k => k.Kid);
            key.Property(k => k.Kid).HasMaxLength(ManagedKey.KidLength).IsUnicode(false);
            key.Property(k => k.Use).HasMaxLength(ManagedKey.UseLength).IsUnicode(false);
            key.Property(k => k.Algorithm).HasMaxLength(ManagedKey.AlgorithmLength).IsUnicode(false);
            key.Property(k => k.Actor).HasMaxLength(ManagedKey.ActorLength);

            // Exactly one creator of each next key: the loser of a concurrent insert fails here and re-reads.
            key.HasIndex(k => new { k.Use, k.Generation }).IsUnique();
        });
    }
}
