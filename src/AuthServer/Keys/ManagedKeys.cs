using System.Collections.Concurrent;
using System.Security.Cryptography;
using AuthServer.Contracts.Admin;
using AuthServer.Contracts.SharedSignals;
using AuthServer.Observability;
using AuthServer.Persistence;
using AuthServer.SharedSignals;
using AuthServer.Tokens;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.Keys;

/// <summary>What a managed key is now, computed from its dates and its successors (decision 012).</summary>
public enum KeyState
{
    Announced,
    Active,
    Retired,
    Removed,
    Revoked,
}

/// <summary>One line of `keys list`: no key material.</summary>
public sealed record KeyView(string Kid, string Use, string Algorithm, int Generation, KeyState State, DateTime CreatedAt, DateTime ActivatesAt,
    DateTime? RetiredAt, DateTime? RemovesAt, DateTime? RevokedAt, string? Actor);

public static class KeyUses
{
    /// <summary>ES256: access tokens and Security Event Tokens, read by resource servers (decision 007).</summary>
    public const string Access = "access";

    /// <summary>RS256: identity and logout tokens (OpenID Connect Core §15.1).</summary>
    public const string Identity = "identity";

    /// <summary>AES-256: refresh tokens and authorization codes, and (derived) their inner HMAC signature (decision 005).</summary>
    public const string Encryption = "encryption";

    public static readonly string[] All = [Access, Identity, Encryption];

    public static string Algorithm(string use) => use switch
    {
        Access => SecurityAlgorithms.EcdsaSha256,
        Identity => SecurityAlgorithms.RsaSha256,
        _ => "A256KW",
    };
}

/// <summary>
/// The key lifecycle in the database: creates the next key of each use when it is due (one creator: the unique
/// (use, generation) index), removes keys whose tokens have all expired, builds the ring every instance signs and
/// decrypts with, and carries out the operator's emergency rotation and revocation.
/// </summary>
public sealed class ManagedKeys(
    IServiceScopeFactory scopes,
    IDataProtectionProvider protection,
    IOptions<KeyOptions> options,
    IOptions<TokenOptions> tokens,
    IOptions<SharedSignalsOptions> feed,
    TimeProvider clock,
    AuthMetrics metrics,
    ILogger<ManagedKeys> logger)
{
    /// <summary>OpenIddict's default identity-token lifetime, which this server does not change.</summary>
    private static readonly TimeSpan IdentityTokenLifetime = TimeSpan.FromMinutes(20);

    /// <summary>Resource servers accept tokens this long past their expiry (RFC 7519 §4.1.4 leeway); the key outlives them by as much.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private static readonly string Instance = $"instance {Environment.MachineName}/{Environment.ProcessId}";

    private readonly IDataProtector _protector = protection.CreateProtector("AuthServer.Keys.ManagedKey.v1");
    private readonly ConcurrentDictionary<string, SecurityKey> _unprotected = new(StringComparer.Ordinal);
    private Dictionary<string, KeyState>? _observed;

    /// <summary>When the next announced key starts signing (UTC), as of the last load; null when none is announced.</summary>
    public DateTime? NextActivation { get; private set; }

    /// <summary>Creates what is due, removes what has expired, and returns the ring to use now.</summary>
    public async Task<KeyRing> EnsureAndLoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await db.ManagedKeys.AsNoTracking().ToListAsync(cancellationToken);

        var changed = false;
        foreach (var use in KeyUses.All)
        {
            var views = Views(rows, use, now);
            var active = views.FirstOrDefault(v => v.State == KeyState.Active);
            var next = views.Where(v => v.State == KeyState.Announced).MaxBy(v => v.Generation);
            var generation = rows.Where(r => r.Use == use).Select(r => r.Generation).DefaultIfEmpty(0).Max() + 1;
            var row = rows.FirstOrDefault(r => r.Kid == active?.Kid);
            // A key another instance just made active reads as announced here while this clock runs behind its creator's:
            // that key is used, not raced by a rival of the next generation (which would push it out before it ever signed).
            var imminent = views.Any(v => v.State == KeyState.Announced && v.ActivatesAt <= now + Skew);
            if (active is null && !imminent)
            {
                // The first key of a new deployment (or after every key was revoked): no token exists yet to need an announcement.
                changed |= await TryCreateAsync(db, use, generation, now, now, Instance, cancellationToken);
            }
            else if (next is null && row is not null && now >= row.RetiresAt - options.Value.AnnouncePeriod)
            {
                var activatesAt = Max(row.RetiresAt, now + options.Value.AnnouncePeriod);
                changed |= await TryCreateAsync(db, use, generation, activatesAt, now, Instance, cancellationToken);
            }
        }

        if (changed)
        {
            rows = await db.ManagedKeys.AsNoTracking().ToListAsync(cancellationToken);
        }

        var removed = KeyUses.All.SelectMany(use => Views(rows, use, now)).Where(v => v.State == KeyState.Removed).Select(v => v.Kid).ToList();
        if (removed.Count > 0)
        {
            // Every instance may delete at once: the statement deletes what is there.
            await db.ManagedKeys.Where(k => removed.Contains(k.Kid)).ExecuteDeleteAsync(cancellationToken);
            foreach (var kid in removed)
            {
                var use = rows.First(r => r.Kid == kid).Use;
                KeyLog.Removed(logger, kid, use);
                metrics.KeyTransition(use, "removed");
            }

            rows = [.. rows.Where(r => !removed.Contains(r.Kid))];
        }

        var ring = Build(rows, now, out var activated);
        await RecordActivationsAsync(db, activated, now, cancellationToken);
        return ring;
    }

    /// <summary>Every key of the database with its state, newest first per use.</summary>
    public async Task<IReadOnlyList<KeyView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var rows = await db.ManagedKeys.AsNoTracking().ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return [.. KeyUses.All.SelectMany(use => Views(rows, use, now).OrderByDescending(v => v.Generation))];
    }

    /// <summary>
    /// Emergency rotation: a fresh key of each use in <paramref name="uses"/> is published at once (announced on the
    /// revocation feed, so resource servers fetch it) and signs after <see cref="KeyOptions.PublicationDelay"/>; the previous
    /// one then retires (still valid), a pending announced one is dropped unused.
    /// </summary>
    public async Task<IReadOnlyList<KeyView>> RotateNowAsync(IReadOnlyCollection<string> uses, string actor, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var created = new List<string>();
        foreach (var use in uses)
        {
            var rows = await db.ManagedKeys.AsNoTracking().Where(k => k.Use == use).ToListAsync(cancellationToken);
            var pending = Views(rows, use, now).Where(v => v.State == KeyState.Announced).Select(v => v.Kid).ToList();
            await db.ManagedKeys.Where(k => pending.Contains(k.Kid)).ExecuteDeleteAsync(cancellationToken);
            var generation = rows.Select(r => r.Generation).DefaultIfEmpty(0).Max() + 1;
            var delay = options.Value.PublicationDelay;
            var row = NewKey(use, generation, now + delay, now, actor);
            db.ManagedKeys.Add(row);
            AddEvent(db, row, delay > TimeSpan.Zero ? KeyChangeMembers.Announced : KeyChangeMembers.Activated, "admin", now);
            await db.SaveChangesAsync(cancellationToken);
            KeyLog.RotatedNow(logger, use, row.Kid, actor);
            metrics.KeyTransition(use, "rotated");
            created.Add(row.Kid);
        }

        return [.. (await ListAsync(cancellationToken)).Where(v => created.Contains(v.Kid))];
    }

    /// <summary>
    /// Emergency revocation: the key is never loaded again, so every instance unpublishes it and refuses what it protected
    /// within <see cref="KeyOptions.RefreshInterval"/>. An active key is replaced in the same transaction, so nothing signs with it again.
    /// Null when no managed key has this id.
    /// </summary>
    public async Task<KeyView?> RevokeAsync(string kid, string actor, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var row = await db.ManagedKeys.FirstOrDefaultAsync(k => k.Kid == kid, cancellationToken);
        if (row is null)
        {
            return null;
        }

        if (row.RevokedAt is null)
        {
            var rows = await db.ManagedKeys.AsNoTracking().Where(k => k.Use == row.Use).ToListAsync(cancellationToken);
            var wasActive = Views(rows, row.Use, now).Any(v => v.Kid == kid && v.State == KeyState.Active);
            row.RevokedAt = now;
            row.Actor = actor;
            AddEvent(db, row, KeyChangeMembers.Revoked, "admin", now);
            if (wasActive)
            {
                var replacement = NewKey(row.Use, rows.Max(r => r.Generation) + 1, now, now, actor);
                db.ManagedKeys.Add(replacement);
                AddEvent(db, replacement, KeyChangeMembers.Activated, "admin", now);
            }

            await db.SaveChangesAsync(cancellationToken);
            _unprotected.TryRemove(kid, out _);
            KeyLog.Revoked(logger, kid, row.Use, actor);
            metrics.KeyTransition(row.Use, "revoked");
        }

        return (await ListAsync(cancellationToken)).FirstOrDefault(v => v.Kid == kid);
    }

    /// <summary>How long a retired key of <paramref name="use"/> stays: the longest life of a token it protected, plus skew.</summary>
    public TimeSpan Retention(string use) => use == KeyUses.Encryption
        ? Max(tokens.Value.RefreshTokenLifetime, tokens.Value.AuthorizationCodeLifetime) + Skew
        : Max(tokens.Value.AccessTokenLifetime, IdentityTokenLifetime) + Skew;

    private List<KeyView> Views(IEnumerable<ManagedKey> all, string use, DateTime now)
    {
        var rows = all.Where(r => r.Use == use).OrderBy(r => r.Generation).ToList();
        var live = rows.Where(r => r.RevokedAt is null).ToList();
        var active = live.LastOrDefault(r => r.ActivatesAt <= now);
        var views = new List<KeyView>(rows.Count);
        foreach (var row in rows)
        {
            DateTime? retiredAt = null;
            DateTime? removesAt = null;
            KeyState state;
            if (row.RevokedAt is not null)
            {
                state = KeyState.Revoked;
            }
            else if (ReferenceEquals(row, active))
            {
                state = KeyState.Active;
            }
            else if (active is null || row.Generation > active.Generation)
            {
                state = KeyState.Announced;
            }
            else
            {
                // Retired when the first later key activated; a key superseded before it ever activated goes at once.
                retiredAt = live.Where(r => r.Generation > row.Generation && r.ActivatesAt <= now).Min(r => r.ActivatesAt);
                removesAt = row.ActivatesAt > now ? now : retiredAt + Retention(use);
                state = removesAt <= now ? KeyState.Removed : KeyState.Retired;
            }

            views.Add(new KeyView(row.Kid, row.Use, row.Algorithm, row.Generation, state, row.CreatedAt, row.ActivatesAt, retiredAt, removesAt, row.RevokedAt, row.Actor));
        }

        return views;
    }

    private KeyRing Build(List<ManagedKey> rows, DateTime now, out List<string> activated)
    {
        var views = KeyUses.All.SelectMany(use => Views(rows, use, now)).ToList();
        var states = views.ToDictionary(v => v.Kid, v => v.State, StringComparer.Ordinal);
        activated = Observe(views, states);
        NextActivation = views.Where(v => v.State == KeyState.Announced).Select(v => (DateTime?)v.ActivatesAt).Min();

        // Order is meaning (KeyRing): the key each use signs or encrypts with first, then announced (newest first), then
        // retired. That key is the active one, or for a use with none yet, the announced key due first (see EnsureAndLoadAsync).
        var current = views.GroupBy(v => v.Use)
            .Select(use => use.FirstOrDefault(v => v.State == KeyState.Active) ?? use.Where(v => v.State == KeyState.Announced).MinBy(v => v.ActivatesAt))
            .OfType<KeyView>()
            .Select(v => v.Kid)
            .ToHashSet(StringComparer.Ordinal);
        var usable = views.Where(v => v.State is KeyState.Active or KeyState.Announced or KeyState.Retired)
            .OrderBy(v => current.Contains(v.Kid) ? 0 : v.State == KeyState.Announced ? 1 : 2)
            .ThenBy(v => v.Use == KeyUses.Access ? 0 : 1)
            .ThenByDescending(v => v.Generation)
            .ToList();
        var keys = usable.ToDictionary(v => v.Kid, v => Unprotect(rows.First(r => r.Kid == v.Kid)), StringComparer.Ordinal);
        foreach (var stale in _unprotected.Keys.Where(kid => !keys.ContainsKey(kid)))
        {
            _unprotected.TryRemove(stale, out _);
        }

        return new KeyRing
        {
            SigningKeys = [.. usable.Where(v => v.Use != KeyUses.Encryption).Select(v => keys[v.Kid])],
            EncryptionKeys = [.. usable.Where(v => v.Use == KeyUses.Encryption).Select(v => (SymmetricSecurityKey)keys[v.Kid])],
        };
    }

    /// <summary>
    /// Each instance reports the transitions it sees (activation and retirement happen by the clock, not by a write).
    /// Returns the published keys it saw become active, for the feed.
    /// </summary>
    private List<string> Observe(List<KeyView> views, Dictionary<string, KeyState> states)
    {
        var previous = _observed;
        _observed = states;
        var activated = new List<string>();
        if (previous is null)
        {
            var signing = string.Join(", ", views.Where(v => v.State == KeyState.Active && v.Use != KeyUses.Encryption).Select(v => v.Kid));
            var encryption = string.Join(", ", views.Where(v => v.State == KeyState.Active && v.Use == KeyUses.Encryption).Select(v => v.Kid));
            KeyLog.Loaded(logger, signing, encryption);
            return activated;
        }

        foreach (var view in views)
        {
            if (previous.TryGetValue(view.Kid, out var before) && before == view.State)
            {
                continue;
            }

            switch (view.State)
            {
                case KeyState.Active:
                    KeyLog.Activated(logger, view.Kid, view.Use);
                    metrics.KeyTransition(view.Use, "active");
                    if (view.Use != KeyUses.Encryption)
                    {
                        activated.Add(view.Kid);
                    }

                    break;
                case KeyState.Retired:
                    KeyLog.Retired(logger, view.Kid, view.Use, view.RemovesAt);
                    metrics.KeyTransition(view.Use, "retired");
                    break;
                case KeyState.Revoked when before is not KeyState.Revoked && previous.ContainsKey(view.Kid):
                    KeyLog.RevokedElsewhere(logger, view.Kid, view.Use);
                    break;
            }
        }

        return activated;
    }

    /// <summary>
    /// The feed's key-change event for a published key (access and identity; encryption keys never leave the server), in
    /// the unit of work that changes the key, so the event exists exactly when the change does.
    /// </summary>
    private void AddEvent(AuthDbContext db, ManagedKey row, string change, string initiatingEntity, DateTime now)
    {
        if (feed.Value.Enabled && row.Use != KeyUses.Encryption)
        {
            db.SecurityEvents.Add(KeyChangeEvents.Create(row.Kid, change, initiatingEntity, now, EventExpires(now)));
        }
    }

    /// <summary>Keys that activated on schedule (no write made the change): every instance tries, the event's unique `jti` keeps one.</summary>
    private async Task RecordActivationsAsync(AuthDbContext db, List<string> activated, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var kid in activated.Where(_ => feed.Value.Enabled))
        {
            db.SecurityEvents.Add(KeyChangeEvents.Create(kid, KeyChangeMembers.Activated, "system", now, EventExpires(now)));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another instance wrote it first.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>A key event lives as long as a revocation event: a receiver that starts later reads the JWKS anyway.</summary>
    private DateTime EventExpires(DateTime now) => now + tokens.Value.AccessTokenLifetime + feed.Value.EventLifetimeMargin;

    private SecurityKey Unprotect(ManagedKey row) => _unprotected.GetOrAdd(row.Kid, kid =>
    {
        byte[] material;
        try
        {
            material = _protector.Unprotect(Convert.FromBase64String(row.ProtectedKey));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            KeyLog.Undecryptable(logger, kid, row.Use);
            throw new InvalidOperationException(
                $"Managed key {kid} ({row.Use}) cannot be decrypted: this instance does not hold the Data Protection key ring that protected it " +
                "(DataProtection:Protection must name the same certificate or key-encryption key on every instance).");
        }

        try
        {
            switch (row.Use)
            {
                case KeyUses.Encryption:
                    return new SymmetricSecurityKey(material) { KeyId = row.Kid };
                case KeyUses.Access:
                    var ec = ECDsa.Create();
                    ec.ImportPkcs8PrivateKey(material, out _);
                    return KeyRing.WithThumbprintKeyId(ec);
                default:
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(material, out _);
                    return KeyRing.WithThumbprintKeyId(rsa);
            }
        }
        finally
        {
            if (row.Use != KeyUses.Encryption)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    });

    private async Task<bool> TryCreateAsync(AuthDbContext db, string use, int generation, DateTime activatesAt, DateTime now, string actor, CancellationToken cancellationToken)
    {
        var row = NewKey(use, generation, activatesAt, now, actor);
        db.ManagedKeys.Add(row);
        AddEvent(db, row, activatesAt > now ? KeyChangeMembers.Announced : KeyChangeMembers.Activated, "system", now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            KeyLog.Created(logger, row.Kid, use, row.Algorithm, generation, activatesAt, actor);
            metrics.KeyTransition(use, "created");
            return true;
        }
        catch (DbUpdateException)
        {
            // Another instance inserted this (use, generation) first: the unique index decided, and its key is read next.
            db.ChangeTracker.Clear();
            KeyLog.CreationLost(logger, use, generation);
            return true;
        }
    }

    private ManagedKey NewKey(string use, int generation, DateTime activatesAt, DateTime now, string actor)
    {
        byte[] material;
        string kid;
        switch (use)
        {
            case KeyUses.Access:
                using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    material = ec.ExportPkcs8PrivateKey();
                    kid = KeyRing.WithThumbprintKeyId(ec).KeyId;
                }

                break;
            case KeyUses.Identity:
                using (var rsa = RSA.Create(2048))
                {
                    material = rsa.ExportPkcs8PrivateKey();
                    kid = KeyRing.WithThumbprintKeyId(rsa).KeyId;
                }

                break;
            default:
                material = RandomNumberGenerator.GetBytes(KeyFileInspection.AesKeyBytes);
                kid = "enc-" + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12));
                break;
        }

        var protectedKey = Convert.ToBase64String(_protector.Protect(material));
        CryptographicOperations.ZeroMemory(material);
        return new ManagedKey
        {
            Kid = kid,
            Use = use,
            Generation = generation,
            Algorithm = KeyUses.Algorithm(use),
            ProtectedKey = protectedKey,
            CreatedAt = now,
            ActivatesAt = activatesAt,
            RetiresAt = activatesAt + options.Value.ActivePeriod,
            Actor = actor,
        };
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>A key as the admin API and `keys list --json` show it: the wire record (AuthServer.Contracts) from the ring's views.</summary>
public static class KeyEntries
{
    public static KeyEntry From(KeyView view) => new(view.Kid, view.Use, view.Algorithm, view.Generation, view.State.ToString().ToLowerInvariant(),
        view.CreatedAt, view.ActivatesAt, view.RetiredAt, view.RemovesAt, view.RevokedAt, view.Actor);

    /// <summary>Key files have no dates: the first of each kind signs or encrypts ("active"), the others are "published".</summary>
    public static IEnumerable<KeyEntry> FromFiles(KeyRing ring)
    {
        foreach (var key in ring.SigningKeys)
        {
            var signs = ReferenceEquals(key, ring.AccessTokenCredentials.Key) || ReferenceEquals(key, ring.IdentityTokenCredentials.Key);
            yield return new(key.KeyId, ReferenceEquals(key, ring.AccessTokenCredentials.Key) ? KeyUses.Access : KeyUses.Identity,
                KeyRing.Credentials(key).Algorithm, null, signs ? "active" : "published", null, null, null, null, null, "file");
        }

        foreach (var key in ring.EncryptionKeys)
        {
            yield return new(key.KeyId, KeyUses.Encryption, "A256KW", null, ReferenceEquals(key, ring.EncryptionKeys[0]) ? "active" : "retired",
                null, null, null, null, null, "file");
        }
    }
}
