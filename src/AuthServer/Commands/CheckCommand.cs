using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AuthServer.Contracts;
using AuthServer.Hosting;
using AuthServer.Keys;
using AuthServer.Persistence;
using AuthServer.Settings;
using AuthServer.Tokens;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.Commands;

/// <summary>One line of `check`'s report.</summary>
public sealed record CheckResult(string Check, CheckStatus Status, string Detail, string? Setting = null);

public enum CheckStatus
{
    Ok,
    Warn,
    Fail,
}

/// <summary>
/// `check`: everything the server needs, verified without starting it (settings, database and schema, keys, where
/// TLS ends), printed as a table or JSON. Exit 0 only when the server would start and serve.
/// </summary>
public static class CheckCommand
{
    private static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(15);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<SettingProblem> problems, bool json, TextWriter output)
    {
        var environment = services.GetRequiredService<IHostEnvironment>();
        var results = new List<CheckResult> { new("environment", CheckStatus.Ok, environment.EnvironmentName) };
        results.AddRange(problems.Count == 0
            ? [new CheckResult("settings", CheckStatus.Ok, "every setting is valid")]
            : problems.Select(p => new CheckResult("settings", CheckStatus.Fail, $"{p.Problem} ({p.EnvironmentVariable}; {p.DocumentationSection})", p.Setting)));

        // The rest reads validated options: only meaningful once the settings hold.
        if (problems.Count == 0)
        {
            results.Add(Issuer(services));
            results.AddRange(Keys(services, environment));
            results.AddRange(Transport(services));
            results.AddRange(await DatabaseAsync(services));
        }

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                ok = results.All(r => r.Status != CheckStatus.Fail),
                checks = results.Select(r => new { check = r.Check, status = r.Status.ToString().ToLowerInvariant(), setting = r.Setting, detail = r.Detail }),
            }, Indented));
        }
        else
        {
            WriteTable(results, output);
        }

        return problems.Count > 0 ? ExitCodes.InvalidConfiguration
            : results.Any(r => r.Status == CheckStatus.Fail) ? ExitCodes.Unavailable
            : ExitCodes.Success;
    }

    private static CheckResult Issuer(IServiceProvider services)
    {
        var tokens = services.GetRequiredService<IOptions<TokenServerOptions>>().Value;
        return tokens.Issuer is { } issuer
            ? new CheckResult("issuer", CheckStatus.Ok, issuer.AbsoluteUri, "Tokens:Issuer")
            : new CheckResult("issuer", CheckStatus.Warn, "unset: Development follows each request's Host", "Tokens:Issuer");
    }

    private static IEnumerable<CheckResult> Keys(IServiceProvider services, IHostEnvironment environment)
    {
        var options = services.GetRequiredService<IOptions<KeyOptions>>().Value;
        var ring = services.GetRequiredService<IOptions<KeyRingProtectionOptions>>().Value;
        yield return ring.Protection == KeyRingProtection.None
            ? new CheckResult("key ring", CheckStatus.Warn, "the Data Protection key ring is stored unencrypted in the database", "DataProtection:Protection")
            : new CheckResult("key ring", CheckStatus.Ok, $"encrypted at rest ({ring.Protection})", "DataProtection:Protection");
        if (options.SourceIn(environment) == KeySource.Automatic)
        {
            yield return new CheckResult("keys", CheckStatus.Ok,
                $"automatic, in the database: each key active {options.ActivePeriod.TotalDays:0} days, announced {options.AnnouncePeriod.TotalDays:0.#} days before (created at start when absent)", "Keys:Automatic");
            yield break;
        }

        if (options.SourceIn(environment) == KeySource.DevelopmentFolder)
        {
            yield return new CheckResult("keys", CheckStatus.Warn, $"Development keys, generated once under {options.DevelopmentKeyFolder}", "Keys:DevelopmentKeyFolder");
            yield break;
        }

        var reports = KeyFileInspection.Inspect(options).ToList();
        foreach (var report in reports)
        {
            // The server starts with a key others can read; check does not pass it.
            var status = report.Problems.Count > 0 || report.Warnings.Count > 0 ? CheckStatus.Fail : CheckStatus.Ok;
            var detail = string.Join(" ", new[] { $"{report.File}: {report.Kind ?? "unreadable"}" }.Concat(report.Problems).Concat(report.Warnings));
            yield return new CheckResult("key file", status, detail, report.Setting);
        }

        var signing = reports.Where(r => r.Signs && r.IsUsable).ToList();
        if (signing.Count > 0)
        {
            yield return new CheckResult("access tokens", CheckStatus.Ok, $"signed by {signing[0].File} ({signing[0].Kind}): the first signing key", signing[0].Setting);
            var identity = signing.FirstOrDefault(r => r.Kind?.StartsWith("RSA", StringComparison.Ordinal) == true);
            yield return identity is null
                ? new CheckResult("identity tokens", CheckStatus.Warn, $"no RSA key: signed by {signing[0].File} ({signing[0].Kind}); OpenID Connect Core §15.1 expects RS256, add an RSA key", "Keys:SigningKeyFiles")
                : new CheckResult("identity tokens", CheckStatus.Ok, $"signed by {identity.File} ({identity.Kind}): the first RSA key", identity.Setting);
        }

        if (!environment.IsDevelopment() && options.EncryptionKeyFiles.Count > 0)
        {
            yield return new CheckResult("refresh tokens", CheckStatus.Ok, $"encrypted with {options.EncryptionKeyFiles[0]}: the first encryption key", "Keys:EncryptionKeyFiles:0");
        }
    }

    /// <summary>
    /// An https issuer needs TLS somewhere: on this process (an https endpoint) or at a proxy it trusts to say so
    /// (X-Forwarded-Proto). With neither, OpenIddict refuses every request as plain HTTP.
    /// </summary>
    private static IEnumerable<CheckResult> Transport(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var tokens = services.GetRequiredService<IOptions<TokenServerOptions>>().Value;
        var proxies = services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value;
        var endpoints = ListeningUrls(configuration).ToList();
        var httpsHere = endpoints.Any(url => url.StartsWith("https:", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(configuration["https_ports"]);
        var listening = endpoints.Count > 0 ? string.Join(", ", endpoints) : "the default http://localhost:5000";

        if (!tokens.RequireHttps)
        {
            yield return new CheckResult("tls", CheckStatus.Warn, $"HTTPS not required (Development); listening on {listening}", "Tokens:RequireHttps");
        }
        else if (httpsHere)
        {
            yield return new CheckResult("tls", CheckStatus.Ok, $"TLS ends here: {listening}");
            if (configuration["Kestrel:Certificates:Default:Path"] is { Length: > 0 } certificate)
            {
                yield return Certificate(certificate, configuration["Kestrel:Certificates:Default:KeyPath"], configuration["Kestrel:Certificates:Default:Password"]);
            }
        }
        else if (proxies.TrustsAnyProxy)
        {
            yield return new CheckResult("tls", CheckStatus.Ok,
                $"TLS ends at a trusted proxy ({string.Join(", ", proxies.KnownProxies.Concat(proxies.KnownNetworks))}) that sends X-Forwarded-Proto; listening on {listening}", "ForwardedHeaders:KnownProxies");
        }
        else
        {
            yield return new CheckResult("tls", CheckStatus.Fail,
                $"listening on plain HTTP only ({listening}) and no proxy is trusted to forward the scheme: every request would be refused. " +
                "Either listen on https (ASPNETCORE_URLS=https://... with Kestrel__Certificates__Default__Path), or list the TLS proxy in ForwardedHeaders:KnownProxies / KnownNetworks.",
                "ForwardedHeaders:KnownProxies");
        }
    }

    /// <summary>The certificate Kestrel will load: present, with its private key, and not expired or about to.</summary>
    private static CheckResult Certificate(string path, string? keyPath, string? password)
    {
        const string Setting = "Kestrel:Certificates:Default:Path";
        try
        {
            using var certificate = keyPath is { Length: > 0 }
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, password);
            var left = certificate.NotAfter.ToUniversalTime() - DateTime.UtcNow;
            var detail = $"{certificate.Subject}, expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}";
            return !certificate.HasPrivateKey ? new CheckResult("certificate", CheckStatus.Fail, $"{detail}: no private key", Setting)
                : left <= TimeSpan.Zero ? new CheckResult("certificate", CheckStatus.Fail, $"{detail}: expired", Setting)
                : left < TimeSpan.FromDays(14) ? new CheckResult("certificate", CheckStatus.Warn, $"{detail}: renew it, {left.Days} day(s) left", Setting)
                : new CheckResult("certificate", CheckStatus.Ok, detail, Setting);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return new CheckResult("certificate", CheckStatus.Fail, $"'{path}' cannot be loaded: {ex.Message}", Setting);
        }
    }

    private static IEnumerable<string> ListeningUrls(IConfiguration configuration)
    {
        var urls = (configuration["urls"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ports = (configuration["http_ports"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(port => $"http://*:{port}");
        var kestrel = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"]).OfType<string>();
        return urls.Concat(ports).Concat(kestrel);
    }

    private static async Task<IReadOnlyList<CheckResult>> DatabaseAsync(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        using var timeout = new CancellationTokenSource(DatabaseTimeout);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        try
        {
            if (db.Database.IsSqlite() && SqliteFile(db) is { } file && !File.Exists(file))
            {
                return options.ShouldMigrateOnStartup
                    ? [new CheckResult("database", CheckStatus.Ok, $"Sqlite: {file} does not exist yet; created with its schema at start (or by `migrate`)", "Database:ConnectionString")]
                    : [new CheckResult("database", CheckStatus.Fail, $"Sqlite: {file} does not exist; run `AuthServer migrate` first", "Database:ConnectionString")];
            }

            if (!await db.Database.CanConnectAsync(timeout.Token))
            {
                return [new CheckResult("database", CheckStatus.Fail, $"{options.Provider}: cannot connect (server, database name or credentials)", "Database:ConnectionString")];
            }

            var pending = (await db.Database.GetPendingMigrationsAsync(timeout.Token)).ToList();
            var connected = new CheckResult("database", CheckStatus.Ok, $"{options.Provider}: connected");
            return pending.Count == 0
                ? [connected, new CheckResult("migrations", CheckStatus.Ok, "the schema is current")]
                : options.ShouldMigrateOnStartup
                    ? [connected, new CheckResult("migrations", CheckStatus.Ok, $"{pending.Count} pending, applied at start (Database:MigrateOnStartup)", "Database:MigrateOnStartup")]
                    : [connected, new CheckResult("migrations", CheckStatus.Fail, $"{pending.Count} pending, starting with {pending[0]}: run `AuthServer migrate` or deploy/sql/migrate.sql", "Database:MigrateOnStartup")];
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return [new CheckResult("database", CheckStatus.Fail, $"{options.Provider}: {ex.GetType().Name}: {ex.Message}", "Database:ConnectionString")];
        }
    }

    private static string? SqliteFile(AuthDbContext db) =>
        new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource is { Length: > 0 } path && path != ":memory:" ? path : null;

    private static void WriteTable(IReadOnlyList<CheckResult> results, TextWriter output)
    {
        var width = results.Max(r => r.Check.Length);
        foreach (var result in results)
        {
            var status = result.Status switch { CheckStatus.Ok => "ok  ", CheckStatus.Warn => "warn", _ => "FAIL" };
            var setting = result.Setting is null ? string.Empty : $"  [{result.Setting}]";
            output.WriteLine($"{status}  {result.Check.PadRight(width)}  {result.Detail}{setting}");
        }

        var failed = results.Count(r => r.Status == CheckStatus.Fail);
        output.WriteLine(failed == 0 ? "The server would start and serve." : $"{failed} check(s) failed: the server would not start or not serve.");
    }
}
