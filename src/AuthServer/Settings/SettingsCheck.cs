using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace AuthServer.Settings;

/// <summary>
/// Every problem in the configuration at once, before the host starts: values that do not convert, keys that no
/// setting reads (a typo silently falls back to a default), and every validator's failures. The framework would
/// stop at the first options class that fails, with a stack trace.
/// </summary>
public static class SettingsCheck
{
    private const int MaxDepth = 6;

    public static IReadOnlyList<SettingProblem> Run(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var problems = new List<SettingProblem>();
        var root = services.GetRequiredService<IHostEnvironment>().ContentRootPath;
        if (!File.Exists(Path.Combine(root, "appsettings.json")))
        {
            // Started from another folder, the defaults (scopes, lifetimes, logging) are silently missing.
            problems.Add(new SettingProblem("contentRoot", $"'{root}' has no appsettings.json: start the server from its installation folder, or pass --contentRoot <folder>.", "ASPNETCORE_CONTENTROOT"));
        }

        foreach (var section in services.GetServices<SettingsSection>().DistinctBy(s => s.Name))
        {
            var shape = new List<SettingProblem>();
            CheckObject(configuration.GetSection(section.Name), section.OptionsType, shape, depth: 0);
            problems.AddRange(shape);
            problems.AddRange(shape.Count == 0 ? Validate(services, section) : ValidateWithout(services, configuration, section, shape));
        }

        // What is left (OpenIddict's own options, built from ours and the keys) can only be checked once ours hold.
        if (problems.Count == 0)
        {
            try
            {
                services.GetService<IStartupValidator>()?.Validate();
            }
            catch (Exception ex) when (ex is OptionsValidationException or AggregateException or InvalidOperationException)
            {
                problems.AddRange(Failures(ex).Select(failure => SettingProblem.FromFailure(failure, "Startup")));
            }
        }

        return [.. problems.DistinctBy(p => (p.Setting, p.Problem))];
    }

    private static IEnumerable<SettingProblem> Validate(IServiceProvider services, SettingsSection section)
    {
        try
        {
            var options = services.GetRequiredService(typeof(IOptions<>).MakeGenericType(section.OptionsType));
            _ = options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options);
            return [];
        }
        catch (TargetInvocationException ex) when (ex.InnerException is OptionsValidationException validation)
        {
            return validation.Failures.Select(failure => SettingProblem.FromFailure(failure, section.Name));
        }
        catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException)
        {
            // A validator that reads another section whose value does not convert: that section reports it.
            return [];
        }
    }

    /// <summary>
    /// A section with a value that does not convert cannot be bound, yet its other settings still deserve a verdict
    /// in the same run: bind it without the bad values (they keep their defaults) and run its validators directly.
    /// </summary>
    private static IEnumerable<SettingProblem> ValidateWithout(IServiceProvider services, IConfiguration configuration, SettingsSection section, List<SettingProblem> bad)
    {
        var badKeys = bad.Select(p => p.Setting).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var remaining = new ConfigurationBuilder()
            .AddInMemoryCollection(configuration.GetSection(section.Name).AsEnumerable()
                .Where(pair => !badKeys.Any(key => pair.Key.Equals(key, StringComparison.OrdinalIgnoreCase) || pair.Key.StartsWith(key + ":", StringComparison.OrdinalIgnoreCase))))
            .Build();
        object options;
        try
        {
            options = remaining.GetSection(section.Name).Get(section.OptionsType) ?? Activator.CreateInstance(section.OptionsType)!;
        }
        catch (Exception ex) when (ex is InvalidOperationException or MissingMethodException)
        {
            return [];
        }

        var validatorType = typeof(IValidateOptions<>).MakeGenericType(section.OptionsType);
        var validate = validatorType.GetMethod(nameof(IValidateOptions<object>.Validate))!;
        var failures = new List<string>();
        foreach (var validator in services.GetServices(validatorType).OfType<object>())
        {
            try
            {
                var result = (ValidateOptionsResult)validate.Invoke(validator, [Options.DefaultName, options])!;
                failures.AddRange(result.Failures ?? []);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is InvalidOperationException or OptionsValidationException)
            {
                // Depends on another section that does not bind either; that one is reported on its own.
            }
        }

        return failures.Select(failure => SettingProblem.FromFailure(failure, section.Name));
    }

    private static IEnumerable<string> Failures(Exception ex) => ex switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Failures),
        _ => [ex.Message],
    };

    private static void CheckObject(IConfigurationSection section, Type type, List<SettingProblem> problems, int depth)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && (p.CanWrite || IsCollection(p.PropertyType)))
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
            {
                var known = string.Join(", ", properties.Keys.Order(StringComparer.Ordinal));
                problems.Add(new SettingProblem(child.Path, $"is not a setting (misspelled?); {section.Path} has: {known}."));
                continue;
            }

            CheckValue(child, property.PropertyType, problems, depth + 1);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<SettingProblem> problems, int depth)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(type))
        {
            if (section.Value is { } value && !Converts(value, type))
            {
                problems.Add(new SettingProblem(section.Path, $"{Shown(section, value)} is not {Describe(type)}."));
            }

            return;
        }

        if (depth > MaxDepth)
        {
            return;
        }

        if (ElementType(type) is { } element)
        {
            foreach (var child in section.GetChildren())
            {
                CheckValue(child, element, problems, depth + 1);
            }

            return;
        }

        CheckObject(section, type, problems, depth);
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(Uri) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid);

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    /// <summary>The value type of a dictionary keyed by name, or the element type of a list.</summary>
    private static Type? ElementType(Type type)
    {
        if (!IsCollection(type))
        {
            return null;
        }

        var generic = type.IsGenericType ? type.GetGenericArguments() : type.GetElementType() is { } array ? [array] : [];
        return generic.Length switch
        {
            1 => generic[0],
            2 => generic[1],
            _ => typeof(string),
        };
    }

    private static bool Converts(string value, Type type)
    {
        try
        {
            if (type == typeof(Uri))
            {
                return Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out _);
            }

            return value.Length == 0 && type != typeof(string) || TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value) is not null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException
            || ex.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(TimeSpan) => "a duration (hh:mm:ss, or d.hh:mm:ss with days)",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) || type == typeof(decimal) => "a number",
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ => $"a valid {type.Name}",
    };

    /// <summary>The value is echoed unless its name suggests a secret.</summary>
    private static string Shown(IConfigurationSection section, string value) =>
        section.Path.Contains("Secret", StringComparison.OrdinalIgnoreCase)
        || section.Path.Contains("Password", StringComparison.OrdinalIgnoreCase)
        || section.Path.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase)
            ? "the value"
            : string.Create(CultureInfo.InvariantCulture, $"'{(value.Length > 60 ? value[..60] + "…" : value)}'");
}
