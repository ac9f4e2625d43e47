using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Persistence;

/// <summary>
/// How the rows written on every refresh are stored (docs/decisions/013, docs/sizing.md). OpenIddict's identifiers stay
/// strings in code (the same lowercase GUID text they always were, in tokens, URLs and the admin API); in the database
/// they are 16 bytes: a BLOB on SQLite, a uniqueidentifier on SQL Server. Token types are stored as two-letter codes,
/// and on SQLite the token and authorization dates as Unix milliseconds instead of 27 characters of text.
/// </summary>
public static class CompactStorage
{
    /// <summary>Two letters instead of the up to 57-character URN; a type not listed here is stored as it is.</summary>
    private static readonly FrozenDictionary<string, string> s_typeCodes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TokenTypeIdentifiers.RefreshToken] = "rt",
        [TokenTypeIdentifiers.AccessToken] = "at",
        [TokenTypeIdentifiers.IdentityToken] = "it",
        [TokenTypeIdentifiers.Private.AuthorizationCode] = "ac",
        [TokenTypeIdentifiers.Private.DeviceCode] = "dc",
        [TokenTypeIdentifiers.Private.UserCode] = "uc",
        [TokenTypeIdentifiers.Private.RequestToken] = "rq",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> s_typeNames =
        s_typeCodes.ToFrozenDictionary(entry => entry.Value, entry => entry.Key, StringComparer.Ordinal);

    /// <summary>The stored code of a token type (what raw SQL such as the load tool's seeder writes).</summary>
    public static string TypeCode(string type) => s_typeCodes.GetValueOrDefault(type, type);

    public static void Configure(ModelBuilder builder, bool sqlite)
    {
        var key = sqlite ? (ValueConverter)new GuidTextToBytes() : new GuidTextToGuid();
        builder.Entity<OpenIddictEntityFrameworkCoreApplication>().Property(a => a.Id).HasConversion(key);
        builder.Entity<OpenIddictEntityFrameworkCoreAuthorization>(authorization =>
        {
            authorization.Property(a => a.Id).HasConversion(key);
            authorization.Property<string>("ApplicationId").HasConversion(key);
            authorization.Property(a => a.ConcurrencyToken).HasConversion(key);
            if (sqlite)
            {
                authorization.Property(a => a.CreationDate).HasConversion(new UnixMilliseconds());
            }
        });
        builder.Entity<OpenIddictEntityFrameworkCoreToken>(token =>
        {
            token.Property(t => t.Id).HasConversion(key);
            token.Property<string>("ApplicationId").HasConversion(key);
            token.Property<string>("AuthorizationId").HasConversion(key);
            token.Property(t => t.ConcurrencyToken).HasConversion(key);
            token.Property(t => t.Type).HasConversion((ValueConverter)new TokenTypeCodes()).IsUnicode(false);
            token.Property(t => t.Status).IsUnicode(false);
            if (sqlite)
            {
                token.Property(t => t.CreationDate).HasConversion(new UnixMilliseconds());
                token.Property(t => t.ExpirationDate).HasConversion(new UnixMilliseconds());
                token.Property(t => t.RedemptionDate).HasConversion(new UnixMilliseconds());
            }

            DropUnusedTokenIndexes(token, sqlite);
        });

        // A browser session's grants are joined to authorizations by id, so they are stored the same way.
        builder.Entity<BrowserSessionGrant>().Property(g => g.AuthorizationId).HasConversion(key);
    }

    /// <summary>
    /// What stays on OpenIddictTokens, each with the query that needs it: the primary key (a refresh finds its entry by
    /// id); AuthorizationId (replay and RFC 7009 revocation revoke the chain; revocation by user and by session reach
    /// tokens through their authorizations); ApplicationId (the foreign key: revocation by client, deleting a client);
    /// ExpirationDate (pruning); ReferenceId, unique, for reference tokens only (none are issued today; SQLite indexes the
    /// non-null ones alone, as SQL Server already does). Dropped: OpenIddict's (ApplicationId, Status, Subject, Type),
    /// which only OpenIddict's token FindAsync(subject, client, …) reads and this server never calls, and Subject
    /// (revocation by user goes through the authorizations' Subject index instead).
    /// </summary>
    private static void DropUnusedTokenIndexes(EntityTypeBuilder<OpenIddictEntityFrameworkCoreToken> token, bool sqlite)
    {
        var composite = token.Metadata.GetIndexes().SingleOrDefault(i => i.Properties.Count == 4);
        if (composite is not null)
        {
            token.Metadata.RemoveIndex(composite);
        }

        token.HasIndex("ApplicationId");
        if (sqlite)
        {
            token.HasIndex(t => t.ReferenceId).IsUnique().HasFilter("\"ReferenceId\" IS NOT NULL");
        }
    }

    /// <summary>Lowercase GUID text, as OpenIddict generates it, to 16 bytes in RFC 9562 order (so SQL's hex() reads it back).</summary>
    public static byte[] ToBytes(string? text) =>
        Guid.TryParse(text, out var guid) ? guid.ToByteArray(bigEndian: true) : [];

    public static string FromBytes(byte[] bytes) =>
        bytes.Length == 16 ? new Guid(bytes, bigEndian: true).ToString() : Convert.ToHexStringLower(bytes);

    /// <summary>A string that is no GUID (a mistyped id in an admin URL) becomes a value no row holds: not found, not an error.</summary>
    public static Guid ToGuid(string? text) => Guid.TryParse(text, out var guid) ? guid : Guid.Empty;

    private static readonly long s_unixEpochTicks = DateTime.UnixEpoch.Ticks;

    public static long ToUnixMilliseconds(DateTime value) => (value.Ticks - s_unixEpochTicks) / TimeSpan.TicksPerMillisecond;

    public static DateTime FromUnixMilliseconds(long value) => new((value * TimeSpan.TicksPerMillisecond) + s_unixEpochTicks, DateTimeKind.Utc);

    private sealed class GuidTextToBytes() : ValueConverter<string, byte[]>(text => ToBytes(text), bytes => FromBytes(bytes));

    private sealed class GuidTextToGuid() : ValueConverter<string, Guid>(text => ToGuid(text), guid => guid.ToString());

    private sealed class TokenTypeCodes() : ValueConverter<string, string>(type => TypeCode(type), code => s_typeNames.GetValueOrDefault(code, code));

    private sealed class UnixMilliseconds() : ValueConverter<DateTime, long>(value => ToUnixMilliseconds(value), value => FromUnixMilliseconds(value));
}
