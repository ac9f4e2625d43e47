using System.Reflection;
using System.Text;
using AuthServer.Tests.Infrastructure;

namespace AuthServer.Conformance;

/// <summary>
/// docs/conformance.md: every module of the four server plans we follow, with the test that carries it over and its state,
/// found by reflection, so the page cannot drift. After adding a test or a gap:
/// `AUTHSERVER_WRITE_CONFORMANCE=1 dotnet test tests/AuthServer.Conformance --filter-class *ConformancePageTests`.
/// </summary>
public sealed class ConformancePageTests
{
    private static string CommittedPath => Path.GetFullPath(Path.Combine(ServerProcess.ContentRoot, "..", "..", "docs", "conformance.md"));

    /// <summary>The plans' modules in their order, from `src/main/java/net/openid/conformance/openid/*TestPlan.java` (suite commit 12f2a4d).</summary>
    public static readonly (string Plan, string[] Modules)[] Plans =
    [
        ("oidcc-config-certification-test-plan", ["oidcc-discovery-endpoint-verification"]),
        ("oidcc-basic-certification-test-plan",
        [
            "oidcc-server", "oidcc-response-type-missing", "oidcc-idtoken-signature", "oidcc-idtoken-unsigned", "oidcc-userinfo-get",
            "oidcc-userinfo-post-header", "oidcc-userinfo-post-body", "oidcc-ensure-request-without-nonce-succeeds-for-code-flow",
            "oidcc-scope-profile", "oidcc-scope-email", "oidcc-scope-address", "oidcc-scope-phone", "oidcc-scope-all",
            "oidcc-alternate-happy-flow", "oidcc-display-page", "oidcc-display-popup", "oidcc-prompt-login",
            "oidcc-prompt-none-not-logged-in", "oidcc-prompt-none-logged-in", "oidcc-max-age-1", "oidcc-max-age-10000",
            "oidcc-ensure-request-with-unknown-parameter-succeeds", "oidcc-id-token-hint", "oidcc-login-hint", "oidcc-ui-locales",
            "oidcc-claims-locales", "oidcc-ensure-request-with-acr-values-succeeds", "oidcc-codereuse", "oidcc-codereuse-30seconds",
            "oidcc-ensure-registered-redirect-uri", "oidcc-ensure-post-request-succeeds", "oidcc-server-client-secret-post",
            "oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported",
            "oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported", "oidcc-claims-essential",
            "oidcc-ensure-request-object-with-redirect-uri", "oidcc-refresh-token", "oidcc-ensure-request-with-valid-pkce-succeeds",
        ]),
        ("oidcc-rp-initiated-logout-certification-test-plan",
        [
            "oidcc-rp-initiated-logout-discovery-endpoint-verification", "oidcc-rp-initiated-logout",
            "oidcc-rp-initiated-logout-bad-post-logout-redirect-uri", "oidcc-rp-initiated-logout-modified-id-token-hint",
            "oidcc-rp-initiated-logout-no-id-token-hint", "oidcc-rp-initiated-logout-no-params",
            "oidcc-rp-initiated-logout-no-post-logout-redirect-uri", "oidcc-rp-initiated-logout-no-state",
            "oidcc-rp-initiated-logout-only-state", "oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri",
            "oidcc-rp-initiated-logout-bad-id-token-hint",
        ]),
        ("oidcc-backchannel-rp-initiated-logout-certification-test-plan",
            ["oidcc-backchannel-logout-discovery-endpoint-verification", "oidcc-backchannel-rp-initiated-logout"]),
    ];

    /// <summary>Modules the suite does not run for our variant (static client, response_type=code), with its reason.</summary>
    public static readonly Dictionary<string, string> NotApplicable = new(StringComparer.Ordinal)
    {
        ["oidcc-idtoken-unsigned"] = "the suite runs it only with dynamic client registration (VariantNotApplicable static_client); the server has static clients and does not list `none` in id_token_signing_alg_values_supported",
        ["oidcc-scope-address"] = "the suite skips it when `address` is not in scopes_supported; this server offers no address scope (Identity keeps no postal address), so scope=openid address is refused with invalid_scope",
        ["oidcc-scope-phone"] = "the suite skips it when `phone` is not in scopes_supported; this server offers no phone scope yet, so scope=openid phone is refused with invalid_scope",
        ["oidcc-scope-all"] = "the suite skips it when any of profile, email, address, phone is missing from scopes_supported (address and phone are, see above)",
    };

    /// <summary>Reports the calling module skipped, "not applicable: reason", where the suite itself would not run it against this server.</summary>
    internal static void SkipIfNotApplicable([System.Runtime.CompilerServices.CallerMemberName] string method = "")
    {
        if (NotApplicable.TryGetValue(method.Replace('_', '-'), out var why))
        {
            Assert.Skip($"not applicable: {why}");
        }
    }

    [Fact]
    public void The_committed_page_lists_every_module_with_its_test_and_state()
    {
        var tests = typeof(ConformancePageTests).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods().Where(m => m.GetCustomAttribute<FactAttribute>() is not null).Select(m => (Type: type, Method: m)))
            .ToDictionary(t => t.Method.Name, t => $"{t.Type.Name}.{t.Method.Name}", StringComparer.Ordinal);
        var page = new StringBuilder("""
            # OpenID conformance

            The OpenID Foundation's conformance suite (openid-certification/conformance-suite) needs Java and MongoDB, so its
            server-side plans are carried over as our own black-box tests in `tests/AuthServer.Conformance`, written from each
            module's summary and conditions against the real server (response_type=code, static client, discovery). One test
            per module, named after its id. States: **pass** (a test runs), **not yet** (no test yet), **skipped** (a test
            exists but the server does not do what the suite expects yet; the reason says what), **not applicable** (the
            suite itself does not run the module for a static client with response_type=code).

            Generated by `ConformancePageTests`; regenerate with
            `AUTHSERVER_WRITE_CONFORMANCE=1 dotnet test tests/AuthServer.Conformance --filter-class *ConformancePageTests`.

            """);
        foreach (var (plan, modules) in Plans)
        {
            page.Append($"\n## {plan}\n\n| Module | Test | State |\n|---|---|---|\n");
            foreach (var module in modules)
            {
                var method = module.Replace('-', '_');
                var state = NotApplicable.TryGetValue(module, out var why) ? $"not applicable: {why}"
                    : !tests.ContainsKey(method) ? "not yet"
                    : ServerGapAttribute.All.TryGetValue(method, out var reason) ? $"skipped: {reason}" : "pass";
                page.Append($"| `{module}` | {(tests.TryGetValue(method, out var found) ? $"`{found}`" : "")} | {state} |\n");
            }
        }

        CommittedFile.AssertMatches(CommittedPath, page.ToString(), "AUTHSERVER_WRITE_CONFORMANCE", nameof(ConformancePageTests));
    }
}
