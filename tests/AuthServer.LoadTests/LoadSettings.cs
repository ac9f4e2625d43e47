namespace AuthServer.LoadTests;

/// <summary>Command-line settings. Every run is bounded in time and requests, and targets loopback only.</summary>
public sealed record LoadSettings
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/AuthServer.LoadTests -- [options]
          --scenario  password|hasher|refresh|client-credentials|api|open|mixed|refusals|all (repeatable; default all token scenarios)
                    hasher: Identity's password hasher alone on every core, the password grant's ceiling
                    refusals: median/p90 latency of each sign-in refusal path (wrong password, operator-locked, account
                      backing off, unknown user), interleaved over one connection, and whether the answers are identical;
                      creates its users through the admin API (client ops, --secret). Start the server with
                      Throttling__FreeFailuresPerSource=1000, Throttling__FreeFailuresPerAccount=N (N > rounds + 5) and
                      Throttling__SignInsPerSourcePerMinute=100000, and pass the same N as --account-free-failures
                    revocation: --rounds revocations of --user by the operator (client ops, --secret); the time from the
                      revoking call to the API's first 401 (the API must run with AuthServer:RevocationFeed on), p50/p99
                    poll: idle polls of the revocation feed as receiver --feed-client: bytes per poll, server CPU per poll
                    idle: CPU of --server-pid and --api-pid over --seconds with no load (an API's poller, at rest)
                    keys: --rounds rounds of rotating, then revoking, the access-token signing key (the server must run
                      with Keys__Automatic=true; client ops, --secret): the time to the API's first accepted token of the
                      new key, fresh tokens it refused, and the time from a revocation to its first 401 (see bench-keys.sh)
          --server    token server base URL (default http://127.0.0.1:5000)
          --api       resource API base URL for api/open (default http://127.0.0.1:5080)
          --connections N   concurrent connections / refresh chains (default 16)
          --seconds N       measured seconds per scenario (default 15, max 300)
          --warmup N        warm-up seconds per scenario (default 3)
          --max-requests N  stop a scenario after N requests (default 1000000)
          --server-pid PID  token server process: report its CPU ms per request and RSS
          --api-pid PID     resource API process, for api/open
          --flood N         N more workers sending wrong passwords for random non-existent user names (a distributed
                            password spray: every attempt costs the server a hash) beside each scenario; only the
                            scenario's latencies go into its row, the flood's answers by status into one more line.
                            All load comes from 127.0.0.1: start the server with Throttling__SignInsPerSourcePerMinute=100000
                            to stand for many sources, or the flood only measures the per-source limit (429s)
          --rounds N        refusals: measured rounds, one request per path each (default 40)
          --forged-kids on|off  keys: tokens with random kids sent to the API all along (default off)
          --dpop on|off         token requests carry a DPoP proof of each worker's key: bound tokens (default off)
          --revoke-timeout N    keys: seconds a revoked key's token is tried before it counts as still accepted (default 30)
          --account-free-failures N  refusals: the server's Throttling:FreeFailuresPerAccount (default 20, the server's default)
          --user, --password, --client, --secret, --scope  credentials (defaults: the Development demo data)
          --feed-client, --feed-secret  poll: the receiver client (default resource-api-jwtbearer, Development)
        or: dotnet run -c Release --project tests/AuthServer.LoadTests -- --seed-tokens N --database FILE   (server stopped)
        or: dotnet run -c Release --project tests/AuthServer.LoadTests -- --storage FILE   (server stopped: bytes per b-tree
            of the token table and its indexes, per token row; see bench-storage.sh)
        """;

    private static readonly string[] TokenScenarios = ["password", "refresh", "client-credentials"];
    private static readonly string[] Known = ["password", "hasher", "refresh", "client-credentials", "api", "open", "mixed", "refusals", "revocation", "poll", "idle", "keys"];

    /// <summary>Scenarios that print their own report instead of a row of the load table.</summary>
    public static readonly string[] OwnReport = ["refusals", "revocation", "poll", "idle", "keys"];

    public IReadOnlyList<string> Scenarios { get; init; } = TokenScenarios;
    public Uri Server { get; init; } = new("http://127.0.0.1:5000");
    public Uri Api { get; init; } = new("http://127.0.0.1:5080");
    public int Connections { get; init; } = 16;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);
    public long MaxRequests { get; init; } = 1_000_000;
    public int? ServerPid { get; init; }
    public int? ApiPid { get; init; }
    public int Flood { get; init; }
    public int Rounds { get; init; } = 40;
    public int AccountFreeFailures { get; init; } = 20;
    public bool ForgedKids { get; init; }

    /// <summary>Every token request carries a DPoP proof of the worker's own key, so its tokens are bound (RFC 9449).</summary>
    public bool Dpop { get; init; }
    public TimeSpan RevokeTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public string User { get; init; } = "alice";
    public string Password { get; init; } = "Alice-Demo-Pass1";
    public string Client { get; init; } = "spa";
    public string ConfidentialClient { get; init; } = "ops";
    public string Secret { get; init; } = "ops-demo-secret";
    public string Scope { get; init; } = "openid offline_access api";
    public string FeedClient { get; init; } = "resource-api-jwtbearer";
    public string FeedSecret { get; init; } = "jwtbearer-feed-demo-secret";

    public static LoadSettings? Parse(string[] args)
    {
        var settings = new LoadSettings();
        var scenarios = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            if (value is null)
            {
                return null;
            }

            i++;
            switch (args[i - 1])
            {
                case "--scenario" when value == "all": scenarios.AddRange(Known.Except(["mixed"]).Except(OwnReport)); break;
                case "--scenario" when Known.Contains(value): scenarios.Add(value); break;
                case "--server": settings = settings with { Server = Loopback(value) }; break;
                case "--api": settings = settings with { Api = Loopback(value) }; break;
                case "--connections": settings = settings with { Connections = Math.Clamp(int.Parse(value), 1, 512) }; break;
                case "--seconds": settings = settings with { Duration = TimeSpan.FromSeconds(Math.Clamp(int.Parse(value), 1, 300)) }; break;
                case "--warmup": settings = settings with { Warmup = TimeSpan.FromSeconds(Math.Clamp(int.Parse(value), 0, 60)) }; break;
                case "--max-requests": settings = settings with { MaxRequests = Math.Clamp(long.Parse(value), 1, 10_000_000) }; break;
                case "--server-pid": settings = settings with { ServerPid = int.Parse(value) }; break;
                case "--api-pid": settings = settings with { ApiPid = int.Parse(value) }; break;
                case "--flood": settings = settings with { Flood = Math.Clamp(int.Parse(value), 0, 512) }; break;
                case "--rounds": settings = settings with { Rounds = Math.Clamp(int.Parse(value), 1, 1000) }; break;
                case "--account-free-failures": settings = settings with { AccountFreeFailures = Math.Clamp(int.Parse(value), 1, 10_000) }; break;
                case "--forged-kids" when value is "on" or "off": settings = settings with { ForgedKids = value == "on" }; break;
                case "--dpop" when value is "on" or "off": settings = settings with { Dpop = value == "on" }; break;
                case "--revoke-timeout": settings = settings with { RevokeTimeout = TimeSpan.FromSeconds(Math.Clamp(int.Parse(value), 1, 600)) }; break;
                case "--user": settings = settings with { User = value }; break;
                case "--password": settings = settings with { Password = value }; break;
                case "--client": settings = settings with { Client = value }; break;
                case "--secret": settings = settings with { Secret = value }; break;
                case "--scope": settings = settings with { Scope = value }; break;
                case "--feed-client": settings = settings with { FeedClient = value }; break;
                case "--feed-secret": settings = settings with { FeedSecret = value }; break;
                default: return null;
            }
        }

        return scenarios.Count == 0 ? settings : settings with { Scenarios = scenarios };
    }

    /// <summary>Load goes only to this machine: anything but a loopback address is refused.</summary>
    private static Uri Loopback(string value)
    {
        var uri = new Uri(value);
        if (!uri.IsLoopback)
        {
            throw new ArgumentException($"{value} is not a loopback address; this tool only loads servers on this machine.");
        }

        return uri;
    }
}
