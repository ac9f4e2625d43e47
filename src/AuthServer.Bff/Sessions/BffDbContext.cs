using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AuthServer.Bff.Sessions;

/// <summary>The BFF's own database: its sessions and the Data Protection key ring every instance shares (decision 011).</summary>
public abstract class BffDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<BffSessionRow> Sessions => Set<BffSessionRow>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<BffSessionRow>(session =>
        {
            session.ToTable("BffSessions");
            session.HasKey(s => s.Key);
            session.Property(s => s.Key).HasMaxLength(64).IsUnicode(false);
            session.Property(s => s.Subject).HasMaxLength(200).IsRequired();
            session.Property(s => s.SessionId).HasMaxLength(200);
            session.Property(s => s.Ticket).IsRequired();
            session.HasIndex(s => s.Subject);
            session.HasIndex(s => s.SessionId);
            session.HasIndex(s => s.ExpiresAt);
        });
    }
}

/// <summary>The SQLite flavour: its migrations live under Sessions/Migrations/Sqlite.</summary>
public sealed class SqliteBffDbContext(DbContextOptions<SqliteBffDbContext> options) : BffDbContext(options);

/// <summary>The SQL Server flavour: its migrations live under Sessions/Migrations/SqlServer.</summary>
public sealed class SqlServerBffDbContext(DbContextOptions<SqlServerBffDbContext> options) : BffDbContext(options);
