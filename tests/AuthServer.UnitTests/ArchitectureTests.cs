using System.Xml.Linq;
using AuthServer.Persistence;

namespace AuthServer.UnitTests;

/// <summary>
/// The dependency rules of docs/architecture.md ("Parts and their boundaries"), read from the project files:
/// samples, the CLI, the resource-server and BFF libraries know only the protocol and the shared contracts; the
/// contracts know nothing but the BCL; persistence knows no OpenIddict server type; a migrations assembly depends on
/// persistence only.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly string[] s_serverProjects = ["AuthServer", "AuthServer.Persistence", "AuthServer.Migrations.Sqlite", "AuthServer.Migrations.SqlServer"];
    private static readonly string[] s_protocolOnlyPrefixes = ["OpenIddict.Server", "OpenIddict.AspNetCore", "OpenIddict.Validation", "OpenIddict.Client"];

    /// <summary>
    /// All a client may reach: the wire contracts the server shares (admin records, feed names, exit codes) and the
    /// client libraries. Named here rather than implied, so a new project is a server project until someone says otherwise.
    /// </summary>
    private static readonly string[] s_clientReachable = ["AuthServer.Contracts", "AuthServer.ResourceServer", "AuthServer.Bff"];

    public static TheoryData<string> ProtocolOnlyProjects()
    {
        var data = new TheoryData<string>();
        foreach (var project in Directory.GetFiles(Path.Combine(Root, "src", "Samples"), "*.csproj", SearchOption.AllDirectories)
            .Concat([Project("AuthServer.Cli"), Project("AuthServer.ResourceServer"), Project("AuthServer.Bff")]))
        {
            data.Add(Path.GetRelativePath(Root, project));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ProtocolOnlyProjects))]
    public void Samples_the_cli_and_the_client_libraries_reference_no_server_project(string project)
    {
        var reached = ReferenceClosure(Path.Combine(Root, project)).Select(Path.GetFileNameWithoutExtension).ToList();

        Assert.Empty(reached.Intersect(s_serverProjects, StringComparer.Ordinal));
        Assert.Empty(reached.Except(s_clientReachable, StringComparer.Ordinal));
    }

    /// <summary>The one project both sides reference: anything it took in, every client would take in with it.</summary>
    [Fact]
    public void Contracts_reference_no_project_no_package_and_no_framework_beyond_the_bcl()
    {
        var project = Project("AuthServer.Contracts");

        Assert.Empty(ProjectReferences(project));
        Assert.Empty(PackageReferences(project));
        Assert.Empty(Items(project, "FrameworkReference"));
        Assert.Equal("Microsoft.NET.Sdk", (string?)XDocument.Load(project).Root!.Attribute("Sdk"));

        var assemblies = typeof(Contracts.ExitCodes).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(assemblies, name => Assert.True(name.StartsWith("System.", StringComparison.Ordinal), $"AuthServer.Contracts references {name}, which is not the BCL."));
    }

    [Fact]
    public void Persistence_references_no_project_and_no_openiddict_server_package_or_assembly()
    {
        var project = Project("AuthServer.Persistence");

        Assert.Empty(ProjectReferences(project));
        var packages = PackageReferences(project);
        Assert.Contains("OpenIddict.EntityFrameworkCore", packages);
        Assert.DoesNotContain(packages, package => s_protocolOnlyPrefixes.Any(prefix => package.StartsWith(prefix, StringComparison.Ordinal)));

        var assemblies = typeof(AuthDbContext).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains(assemblies, name => name.StartsWith("OpenIddict.EntityFrameworkCore", StringComparison.Ordinal));
        Assert.DoesNotContain(assemblies, name => name.StartsWith("AuthServer", StringComparison.Ordinal)
            || s_protocolOnlyPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("AuthServer.Migrations.Sqlite")]
    [InlineData("AuthServer.Migrations.SqlServer")]
    public void A_migrations_assembly_references_persistence_only(string name)
    {
        var project = Project(name);

        Assert.Equal(["AuthServer.Persistence"], ProjectReferences(project).Select(Path.GetFileNameWithoutExtension));
        Assert.All(PackageReferences(project), package => Assert.StartsWith("Microsoft.EntityFrameworkCore.", package, StringComparison.Ordinal));
    }

    internal static string Root { get; } = FindRoot();

    private static string Project(string name) => Path.Combine(Root, "src", name, name + ".csproj");

    private static List<string> ProjectReferences(string project) =>
        [.. Items(project, "ProjectReference").Select(include => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include.Replace('\\', '/'))))];

    private static List<string> PackageReferences(string project) => [.. Items(project, "PackageReference")];

    private static IEnumerable<string> Items(string project, string item)
    {
        Assert.True(File.Exists(project), $"{project} is missing: the rules name projects that no longer exist.");
        return XDocument.Load(project).Descendants(item).Select(e => (string?)e.Attribute("Include")).OfType<string>();
    }

    /// <summary>Every project reached through project references, so a rule cannot be dodged through a library.</summary>
    private static HashSet<string> ReferenceClosure(string project)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(ProjectReferences(project));
        while (pending.TryPop(out var next))
        {
            if (reached.Add(next))
            {
                ProjectReferences(next).ForEach(pending.Push);
            }
        }

        return reached;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AuthServer.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("AuthServer.sln not found above " + AppContext.BaseDirectory);
    }
}
