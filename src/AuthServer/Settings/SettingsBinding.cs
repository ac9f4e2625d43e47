using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AuthServer.Settings;

/// <summary>A configuration section bound to an options class: what <see cref="SettingsCheck"/> walks before the host starts.</summary>
public sealed record SettingsSection(string Name, Type OptionsType);

public static class SettingsBinding
{
    /// <summary>
    /// Binds <typeparamref name="T"/> from <paramref name="section"/>, validates it at start, and registers the section
    /// so a bad value is reported with every other one, by its setting name, before anything uses it.
    /// </summary>
    public static OptionsBuilder<T> BindSettings<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton(new SettingsSection(section, typeof(T)));
        services.AddSingleton<IValidateOptions<T>>(new AnnotatedSettingsValidator<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// For the few settings that shape service registration itself (the database provider, whether to export metrics):
    /// a value that does not convert falls back to the defaults here, and <see cref="SettingsCheck"/> reports it by name
    /// before the host starts, instead of the binder's exception ending the process with a stack trace.
    /// </summary>
    public static T ReadBeforeStart<T>(this IConfiguration configuration, string section)
        where T : class, new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException)
        {
            return new T();
        }
    }

    /// <summary>Data annotations, reported as "Section:Member: problem" rather than the framework's type-and-member sentence.</summary>
    private sealed class AnnotatedSettingsValidator<T>(string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            if (name is not null && name != Options.DefaultName)
            {
                return ValidateOptionsResult.Skip;
            }

            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(result =>
                $"{section}:{result.MemberNames.FirstOrDefault() ?? "?"}: {result.ErrorMessage}"));
        }
    }
}
