using System.Data.Common;
using Microsoft.Extensions.Options;

namespace AuthServer.Users;

/// <summary>
/// Demo data never reaches production: outside Development, seeding needs an explicit force, and no secret or password
/// setting may hold a demo value (anyone who read the repository would know it). Failures name the setting, never the value.
/// </summary>
public sealed class DemoDataValidator(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<DemoDataOptions>
{
    /// <summary>The convention every demo secret and password follows (appsettings.Development.json; a test keeps it true).</summary>
    public const string DemoMarker = "demo";

    public ValidateOptionsResult Validate(string? name, DemoDataOptions options)
    {
        if (environment.IsDevelopment())
        {
            return ValidateOptionsResult.Success;
        }

        List<string> failures = [];
        if (options.Seed && !options.AllowOutsideDevelopment)
        {
            failures.Add($"DemoData:Seed is on outside Development ({environment.EnvironmentName}). Turn it off, or set DemoData:AllowOutsideDevelopment to true to seed anyway.");
        }

        failures.AddRange(SecretSettings(configuration).Where(s => IsDemoValue(s.Value))
            .Select(s => $"{s.Key} holds a demo value (it contains \"{DemoMarker}\"); outside Development every secret and password must come from your secret store."));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool IsDemoValue(string value) => value.Contains(DemoMarker, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Every setting that holds a secret, by name (…Secret, …Password, …ApiKey; the password inside a connection string),
    /// so a secret setting added later is covered without being listed here. Only keys inside a section are the server's:
    /// a plain environment variable (MSSQL_SA_PASSWORD) belongs to some other program.
    /// </summary>
    public static IEnumerable<(string Key, string Value)> SecretSettings(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (string.IsNullOrEmpty(value) || !key.Contains(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal))
            {
                continue;
            }

            var setting = ConfigurationPath.GetSectionKey(key);
            if (setting.EndsWith("Secret", StringComparison.OrdinalIgnoreCase) || setting.EndsWith("Password", StringComparison.OrdinalIgnoreCase)
                || setting.EndsWith("ApiKey", StringComparison.OrdinalIgnoreCase))
            {
                yield return (key, value);
            }
            else if (setting.Equals("ConnectionString", StringComparison.OrdinalIgnoreCase) || ConfigurationPath.GetParentPath(key) == "ConnectionStrings")
            {
                if (ConnectionStringPassword(value) is { } password)
                {
                    yield return (key, password);
                }
            }
        }
    }

    private static string? ConnectionStringPassword(string connectionString)
    {
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            // Malformed: the database provider refuses it with its own message.
            return null;
        }

        return builder.TryGetValue("Password", out var password) || builder.TryGetValue("Pwd", out password) ? password?.ToString() : null;
    }
}
