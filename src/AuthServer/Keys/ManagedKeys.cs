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
/// The key lifecycle in the database (what is due and in which state each key is: <see cref="KeyLifecycle"/>; the key
/// material: <see cref="ManagedKeyMaterial"/>): creates the next key of each use when it is due (one creator: the
/// unique (use, generation) index), removes keys whose tokens have all expired, builds the ring every instance signs and
/// decrypts with, and carries out the operator's emergency rotation and revocation. Longer than most files because each
/// of those is one unit of work with its feed event and audit line, and they share one observed state.
/// </summary>
public sealed class ManagedKeys(
    IServiceScopeFactory scopes,
    IDataProtectionProvider protection,
    IOptions<KeyOptions> options,
    IOptions<TokenServerOptions> tokens,
    IOptions<SharedSignalsOptions> feed,
    TimeProvider clock,
    AuthMetrics metrics,
    ILogger<ManagedKeys> logger)
{
    /// <summary>OpenIddict's default identity-token lifetime, which this server does not change.</summary>
    private static readonly TimeSpan IdentityTokenLifetime = TimeSpan.FromMinutes(20);

    private static readonly string Instance = $"instance {Environment.MachineName}/{Environment.ProcessId}";

    private readonly KeyLifecycle _lifecycle = new(
        options.Value.AnnouncePeriod,
        accessRetention: Max(tokens.Value.AccessTokenLifetime, IdentityTokenLifetime) + KeyLifecycle.Skew,
        encryptionRetention: Max(tokens.Value.RefreshTokenLifetime, tokens.Value.AuthorizationCodeLifetime) + KeyLifecycle.Skew);

    private readonly ManagedKeyMaterial _material = new(protection, logger);
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
            if (_lifecycle.Due(rows, use, now) is { } activatesAt)
            {
                changed |= await TryCreateAsync(db, use, KeyLifecycle.NextGeneration(rows, use), activatesAt, now, Instance, cancellationToken);
            }
        }

        if (changed)
        {
            rows = await db.ManagedKeys.AsNoTracking().ToListAsync(cancellationToken);
        }

        var removed = _lifecycle.All(rows, now).Where(v => v.State == KeyState.Removed).Select(v => v.Kid).ToList();
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
        return _lifecycle.All(rows, now);
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
            var pending = _lifecycle.Views(rows, use, now).Where(v => v.State == KeyState.Announced).Select(v => v.Kid).ToList();
            await db.ManagedKeys.Where(k => pending.Contains(k.Kid)).ExecuteDeleteAsync(cancellationToken);
            var generation = KeyLifecycle.NextGeneration(rows, use);
            var delay = options.Value.PublicationDelay;
            var row = _material.Create(use, generation, now + delay, now, actor, options.Value.ActivePeriod);
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
            var wasActive = _lifecycle.Views(rows, row.Use, now).Any(v => v.Kid == kid && v.State == KeyState.Active);
            row.RevokedAt = now;
            row.Actor = actor;
            AddEvent(db, row, KeyChangeMembers.Revoked, "admin", now);
            if (wasActive)
            {
                var replacement = _material.Create(row.Use, KeyLifecycle.NextGeneration(rows, row.Use), now, now, actor, options.Value.ActivePeriod);
                db.ManagedKeys.Add(replacement);
                AddEvent(db, replacement, KeyChangeMembers.Activated, "admin", now);
            }

            await db.SaveChangesAsync(cancellationToken);
            _material.Forget(kid);
            KeyLog.Revoked(logger, kid, row.Use, actor);
            metrics.KeyTransition(row.Use, "revoked");
        }

        return (await ListAsync(cancellationToken)).FirstOrDefault(v => v.Kid == kid);
    }

    /// <summary>How long a retired key of <paramref name="use"/> stays.</summary>
    public TimeSpan Retention(string use) => _lifecycle.Retention(use);

    private KeyRing Build(List<ManagedKey> rows, DateTime now, out List<string> activated)
    {
        var views = KeyUses.All.SelectMany(use => _lifecycle.Views(rows, use, now)).ToList();
        activated = Observe(views);
        NextActivation = KeyLifecycle.NextActivation(views);
        var usable = KeyLifecycle.RingOrder(views);
        var keys = usable.ToDictionary(v => v.Kid, v => _material.Open(rows.First(r => r.Kid == v.Kid)), StringComparer.Ordinal);
        _material.KeepOnly(keys.Keys);

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
    private List<string> Observe(List<KeyView> views)
    {
        var previous = _observed;
        _observed = views.ToDictionary(v => v.Kid, v => v.State, StringComparer.Ordinal);
        var activated = new List<string>();
        if (previous is null)
        {
            var signing = string.Join(", ", views.Where(v => v.State == KeyState.Active && v.Use != KeyUses.Encryption).Select(v => v.Kid));
            var encryption = string.Join(", ", views.Where(v => v.State == KeyState.Active && v.Use == KeyUses.Encryption).Select(v => v.Kid));
            KeyLog.Loaded(logger, signing, encryption);
            return activated;
        }

        foreach (var (view, before) in KeyLifecycle.Changes(previous, views))
        {
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
                case KeyState.Revoked when before is not null:
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

    private async Task<bool> TryCreateAsync(AuthDbContext db, string use, int generation, DateTime activatesAt, DateTime now, string actor, CancellationToken cancellationToken)
    {
        var row = _material.Create(use, generation, activatesAt, now, actor, options.Value.ActivePeriod);
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
