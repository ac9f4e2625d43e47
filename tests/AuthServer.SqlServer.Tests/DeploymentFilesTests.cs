using System.Text.RegularExpressions;
using AuthServer.SqlServer.Tests.Infrastructure;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace AuthServer.SqlServer.Tests;

/// <summary>
/// deploy/ checked as far as this machine allows: the compose file by docker compose itself, the Kubernetes
/// manifests by their kinds' schemas (node + kubernetes-models) and by the fields production relies on,
/// the Dockerfiles' shape and the SQL setup script by Microsoft's T-SQL parser. Missing tools skip with the reason.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Deploy = Path.Combine(MigrationScriptTests.RepositoryRoot(), "deploy");
    private static readonly string K8s = Path.Combine(Deploy, "k8s");

    [Fact]
    public async Task Compose_file_is_accepted_by_docker_compose_and_defines_the_whole_system()
    {
        var compose = await FindComposeAsync();
        Assert.SkipWhen(compose is null, "Neither `docker compose` (plugin) nor `docker-compose` is installed; .ci/install adds docker-compose from Debian.");

        var (file, prefix) = compose.Value;
        var (exitCode, output) = await Tool.RunAsync(Deploy, file, [.. prefix, "--env-file", ".env.example", "config", "--services"]);

        Assert.True(exitCode == 0, output);
        var services = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
            new[] { "authserver-1", "authserver-2", "check", "migrate", "proxy", "resource-api", "spa", "sqlinit", "sqlserver" },
            services.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Compose_file_fails_without_the_passwords_it_must_be_given()
    {
        var compose = await FindComposeAsync();
        Assert.SkipWhen(compose is null, "Neither `docker compose` (plugin) nor `docker-compose` is installed; .ci/install adds docker-compose from Debian.");

        var (file, prefix) = compose.Value;
        var empty = Path.Combine(Path.GetTempPath(), $"empty-{Guid.NewGuid():N}.env");
        await File.WriteAllTextAsync(empty, "COMPOSE_PROJECT_NAME=authserver\n", TestContext.Current.CancellationToken);
        try
        {
            var (exitCode, output) = await Tool.RunAsync(Deploy, file, [.. prefix, "--env-file", empty, "config", "-q"]);

            Assert.NotEqual(0, exitCode);
            Assert.Contains("set it in deploy/.env", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public async Task Kubernetes_manifests_match_the_schemas_of_their_kinds()
    {
        var validator = Path.Combine(K8s, "validate");
        Assert.SkipUnless(await Tool.AnswersAsync("node", "--version"), "node is not installed; the schema check runs on node (Debian package nodejs).");
        Assert.SkipUnless(
            Directory.Exists(Path.Combine(validator, "node_modules", "kubernetes-models")),
            "kubernetes-models is not installed; run `npm ci --prefix deploy/k8s/validate` (.ci/install does).");

        var (exitCode, output) = await Tool.RunAsync(validator, "node", "validate.mjs");

        Assert.True(exitCode == 0, output);
        Assert.Contains("ok   ", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_deployment_runs_at_least_two_probed_non_root_replicas_with_resource_requests()
    {
        var deployment = Manifest("Deployment");
        var spec = Map(deployment, "spec");
        var pod = Map(Map(spec, "template"), "spec");
        var container = Map(List(pod, "containers")[0]);

        Assert.True(int.Parse(Scalar(spec, "replicas"), System.Globalization.CultureInfo.InvariantCulture) >= 2, "replicas must be at least 2");
        Assert.Equal("/health/ready", Scalar(Map(Map(container, "readinessProbe"), "httpGet"), "path"));
        Assert.Equal("/health/live", Scalar(Map(Map(container, "livenessProbe"), "httpGet"), "path"));
        var requests = Map(Map(container, "resources"), "requests");
        Assert.True(requests.ContainsKey("cpu") && requests.ContainsKey("memory"), "cpu and memory requests");
        Assert.Equal("true", Scalar(Map(pod, "securityContext"), "runAsNonRoot"));
        Assert.Equal("0", Map(Map(spec, "strategy"), "rollingUpdate")["maxUnavailable"]?.ToString());
        Assert.Contains(SecretReferences(container), reference => reference == "authserver-database/app-connection-string");
        Assert.Contains(List(pod, "volumes").Select(Map), volume => volume.ContainsKey("secret") && Scalar(Map(volume, "secret"), "secretName") == "authserver-keys");
    }

    [Fact]
    public void Kubernetes_migration_job_runs_migrate_with_the_migrator_login_and_never_restarts_in_place()
    {
        var pod = Map(Map(Map(Manifest("Job"), "spec"), "template"), "spec");
        var container = Map(List(pod, "containers")[0]);

        Assert.Equal("Never", Scalar(pod, "restartPolicy"));
        Assert.Equal(new[] { "migrate" }, List(container, "args").Select(a => a?.ToString() ?? "").ToArray());
        Assert.Contains(SecretReferences(container), reference => reference == "authserver-database/migrator-connection-string");
    }

    [Fact]
    public void Kubernetes_service_and_disruption_budget_select_exactly_the_deployments_pods()
    {
        var podLabels = Map(Map(Map(Map(Manifest("Deployment"), "spec"), "template"), "metadata"), "labels");
        var serviceSelector = Map(Map(Manifest("Service"), "spec"), "selector");
        var budget = Map(Manifest("PodDisruptionBudget"), "spec");
        var budgetSelector = Map(Map(budget, "selector"), "matchLabels");

        Assert.Equal(podLabels, serviceSelector);
        Assert.Equal(podLabels, budgetSelector);
        Assert.Equal("1", Scalar(budget, "minAvailable"));
    }

    [Fact]
    public void Kubernetes_secrets_the_pods_read_are_described_and_kustomization_lists_only_existing_files()
    {
        var described = Documents(Path.Combine(K8s, "secrets.example.yaml"))
            .SelectMany(secret => Map(secret, "stringData").Keys.Select(key => $"{Scalar(Map(secret, "metadata"), "name")}/{key}"))
            .ToHashSet();
        var used = new[] { Manifest("Deployment"), Manifest("Job") }
            .SelectMany(m => List(Map(Map(Map(m, "spec"), "template"), "spec"), "containers").Select(Map))
            .SelectMany(SecretReferences);

        Assert.All(used, reference => Assert.Contains(reference, described));
        Assert.Contains("authserver-keys/key-ring.kek", described);

        // Every key file the configuration names under /keys/ (the mounted authserver-keys Secret) is described.
        var keyFiles = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Path.Combine(K8s, "configmap.yaml")), "\"/keys/([^\"]+)\"")
            .Select(match => $"authserver-keys/{match.Groups[1].Value}").ToList();
        Assert.Contains("authserver-keys/key-ring.kek", keyFiles);
        Assert.All(keyFiles, file => Assert.Contains(file, described));

        var resources = List(Documents(Path.Combine(K8s, "kustomization.yaml")).Single(), "resources").Select(r => r!.ToString()!).ToList();
        Assert.All(resources, file => Assert.True(File.Exists(Path.Combine(K8s, file)), $"kustomization.yaml lists a missing file: {file}"));
        Assert.DoesNotContain("secrets.example.yaml", resources);
    }

    [Fact]
    public void Every_manifest_parses_as_yaml_with_apiVersion_kind_and_name()
    {
        var files = Directory.GetFiles(K8s, "*.yaml");

        Assert.NotEmpty(files);
        foreach (var file in files.Where(f => Path.GetFileName(f) != "kustomization.yaml"))
        {
            Assert.All(Documents(file), document =>
            {
                Assert.False(string.IsNullOrEmpty(Scalar(document, "apiVersion")), file);
                Assert.False(string.IsNullOrEmpty(Scalar(document, "kind")), file);
                Assert.False(string.IsNullOrEmpty(Scalar(Map(document, "metadata"), "name")), file);
            });
        }
    }

    [Theory]
    [InlineData("server.Dockerfile", "AuthServer.dll")]
    [InlineData("resource-api.Dockerfile", "ResourceApi.JwtBearer.dll")]
    public void Dockerfile_builds_with_the_sdk_runs_on_the_aspnet_runtime_as_non_root_with_a_health_check(string dockerfile, string entryAssembly)
    {
        var lines = File.ReadAllLines(Path.Combine(Deploy, dockerfile)).Select(l => l.Trim()).ToList();
        var stages = lines.Select((line, index) => (line, index)).Where(l => l.line.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, stages.Count);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", stages[0].line, StringComparison.Ordinal);
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:10.0", stages[1].line, StringComparison.Ordinal);
        var runtime = lines.Skip(stages[1].index).ToList();
        Assert.Contains(runtime, l => l.StartsWith("USER ", StringComparison.Ordinal) && !l.Contains("root", StringComparison.Ordinal));
        Assert.Contains(runtime, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.Contains(runtime, l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal) && l.Contains(entryAssembly, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("secrets/", StringComparison.Ordinal) && l.StartsWith("COPY", StringComparison.Ordinal));
    }

    [Fact]
    public void Server_dockerfile_copies_only_paths_that_exist_and_checks_readiness_with_one_writable_data_folder()
    {
        var text = File.ReadAllText(Path.Combine(Deploy, "server.Dockerfile"));
        var root = MigrationScriptTests.RepositoryRoot();

        foreach (Match copy in CopyFromContext().Matches(text))
        {
            foreach (var source in copy.Groups["sources"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                Assert.True(File.Exists(Path.Combine(root, source)) || Directory.Exists(Path.Combine(root, source)), $"COPY source missing: {source}");
            }
        }

        // Healthy means the database answers: compose's dependents wait on it.
        Assert.Contains("GET /health/ready", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/health/live", text, StringComparison.Ordinal);
        Assert.Contains("VOLUME /data", text, StringComparison.Ordinal);
        Assert.Contains("chown $APP_UID /data", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_pods_run_check_before_the_server_with_the_servers_settings_and_keys()
    {
        var pod = Map(Map(Map(Manifest("Deployment"), "spec"), "template"), "spec");
        var server = Map(List(pod, "containers")[0]);
        var check = Map(List(pod, "initContainers")[0]);

        Assert.Equal(new[] { "check" }, List(check, "args").Select(a => a?.ToString() ?? "").ToArray());
        Assert.Equal(Scalar(server, "image"), Scalar(check, "image"));
        Assert.Equal(SecretReferences(server).Order(), SecretReferences(check).Order());
        Assert.Equal(
            List(server, "volumeMounts").Select(m => Scalar(Map(m), "mountPath")).Order(),
            List(check, "volumeMounts").Select(m => Scalar(Map(m), "mountPath")).Order());
        Assert.Equal("true", Scalar(Map(check, "securityContext"), "readOnlyRootFilesystem"));
    }

    [Fact]
    public void Compose_runs_check_after_the_migration_and_the_replicas_only_after_check_succeeded()
    {
        var text = File.ReadAllText(Path.Combine(Deploy, "docker-compose.yml"));
        // The replicas take most of their definition from the x-authserver anchor (a YAML merge key).
        var merged = new MergingParser(new Parser(new StringReader(text)));
        var services = Map(new DeserializerBuilder().Build().Deserialize<Dictionary<object, object?>>(merged), "services");
        var check = Map(services, "check");

        Assert.Equal(new[] { "check" }, List(check, "command").Select(a => a?.ToString() ?? "").ToArray());
        Assert.Equal("service_completed_successfully", Scalar(Map(Map(check, "depends_on"), "migrate"), "condition"));
        foreach (var replica in new[] { "authserver-1", "authserver-2" })
        {
            var service = Map(services, replica);
            Assert.Equal("service_completed_successfully", Scalar(Map(Map(service, "depends_on"), "check"), "condition"));
            Assert.Equal("true", Scalar(service, "read_only"));
        }
    }

    [Fact]
    public void Server_image_build_leaves_out_the_development_settings()
    {
        var ignored = File.ReadAllLines(Path.Combine(Deploy, "server.Dockerfile.dockerignore")).Select(l => l.Trim());

        Assert.Contains("**/appsettings.Development.json", ignored);
    }

    [Fact]
    public void Compose_replicas_believe_forwarded_headers_from_the_proxys_fixed_address_only()
    {
        var compose = Documents(Path.Combine(Deploy, "docker-compose.yml")).Single();
        var proxy = Map(Map(Map(Map(compose, "services"), "proxy"), "networks"), "backend");
        var ipam = Map(List(Map(Map(Map(compose, "networks"), "backend"), "ipam"), "config")[0]);
        var forwarded = ForwardedHeaders(File.ReadAllText(Path.Combine(Deploy, "config", "authserver.Production.json")));

        var address = System.Net.IPAddress.Parse(Scalar(proxy, "ipv4_address"));
        Assert.Equal([address.ToString()], forwarded.Proxies);
        Assert.Empty(forwarded.Networks);
        Assert.True(System.Net.IPNetwork.Parse(Scalar(ipam, "subnet")).Contains(address), "the proxy's address is on the backend subnet");
        Assert.False(System.Net.IPNetwork.Parse(Scalar(ipam, "ip_range")).Contains(address), "no other container can be given the proxy's address");
    }

    [Fact]
    public void Kubernetes_configuration_trusts_a_narrow_proxy_range_not_a_whole_private_network()
    {
        var configMap = Manifest("ConfigMap");
        var forwarded = ForwardedHeaders(Scalar(Map(configMap, "data"), "appsettings.Production.json"));

        Assert.NotEmpty(forwarded.Proxies.Concat(forwarded.Networks));
        Assert.All(forwarded.Proxies, proxy => System.Net.IPAddress.Parse(proxy));
        // A /24 is already more than one ingress controller needs; 10.0.0.0/8 would let any pod forge addresses and HTTPS.
        Assert.All(forwarded.Networks, network => Assert.True(System.Net.IPNetwork.Parse(network).PrefixLength >= 24, $"{network} trusts too many addresses"));
    }

    [Fact]
    public void Sql_setup_script_parses_as_TSQL_once_its_sqlcmd_variables_are_set()
    {
        var script = SqlcmdVariable().Replace(File.ReadAllText(Path.Combine(Deploy, "sql", "create-database.sql")), "value");
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);

        foreach (var batch in Regex.Split(script.ReplaceLineEndings("\n"), @"^\s*GO\s*$", RegexOptions.Multiline).Where(b => !string.IsNullOrWhiteSpace(b)))
        {
            using var reader = new StringReader(batch);
            parser.Parse(reader, out var errors);
            Assert.True(errors.Count == 0, string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}")) + "\n" + batch);
        }

        Assert.Contains("READ_COMMITTED_SNAPSHOT ON", script, StringComparison.Ordinal);
        Assert.Contains("ALTER ROLE [db_ddladmin] ADD MEMBER [authserver_migrator]", script, StringComparison.Ordinal);
        Assert.DoesNotContain("ALTER ROLE [db_ddladmin] ADD MEMBER [authserver_app]", script, StringComparison.Ordinal);
    }

    private static async Task<(string File, string[] Prefix)?> FindComposeAsync()
    {
        if (await Tool.AnswersAsync("docker", "compose", "version"))
        {
            return ("docker", ["compose"]);
        }

        return await Tool.AnswersAsync("docker-compose", "version") ? ("docker-compose", []) : null;
    }

    /// <summary>ForwardedHeaders:KnownProxies and KnownNetworks of an appsettings file (comments allowed, as the server allows them).</summary>
    private static (string[] Proxies, string[] Networks) ForwardedHeaders(string appsettings)
    {
        using var json = System.Text.Json.JsonDocument.Parse(appsettings, new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
        var section = json.RootElement.GetProperty("ForwardedHeaders");
        string[] Read(string name) => section.TryGetProperty(name, out var list) ? list.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
        return (Read("KnownProxies"), Read("KnownNetworks"));
    }

    private static Dictionary<object, object?> Manifest(string kind) =>
        Directory.GetFiles(K8s, "*.yaml").Where(f => !f.EndsWith("secrets.example.yaml", StringComparison.Ordinal))
            .SelectMany(Documents).Single(d => d.TryGetValue("kind", out var k) && k?.ToString() == kind);

    private static List<Dictionary<object, object?>> Documents(string file)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(File.ReadAllText(file)));
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object?>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object?>>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    private static IEnumerable<string> SecretReferences(Dictionary<object, object?> container) =>
        List(container, "env").Select(Map)
            .Where(e => e.ContainsKey("valueFrom"))
            .Select(e => Map(Map(e, "valueFrom"), "secretKeyRef"))
            .Select(r => $"{Scalar(r, "name")}/{Scalar(r, "key")}");

    private static Dictionary<object, object?> Map(object? node) =>
        node as Dictionary<object, object?> ?? throw new InvalidOperationException($"Expected a mapping, got {node}");

    private static Dictionary<object, object?> Map(Dictionary<object, object?> node, string key) =>
        node.TryGetValue(key, out var value) ? Map(value) : throw new InvalidOperationException($"'{key}' is missing");

    private static List<object?> List(Dictionary<object, object?> node, string key) =>
        node.TryGetValue(key, out var value) && value is List<object?> list ? list : throw new InvalidOperationException($"'{key}' is not a list");

    private static string Scalar(Dictionary<object, object?> node, string key) =>
        node.TryGetValue(key, out var value) ? value?.ToString() ?? "" : "";

    [GeneratedRegex(@"^COPY (?!--from)(?<sources>.+) \S+$", RegexOptions.Multiline)]
    private static partial Regex CopyFromContext();

    [GeneratedRegex(@"\$\(\w+\)")]
    private static partial Regex SqlcmdVariable();
}
