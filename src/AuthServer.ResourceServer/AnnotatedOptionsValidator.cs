using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AuthServer.ResourceServer;

/// <summary>Data annotations reported as "Section:Member problem", so <see cref="StartupSettings"/> can name the setting.</summary>
internal sealed class AnnotatedOptionsValidator<T>(string section) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(results.Select(result => $"{section}:{result.MemberNames.FirstOrDefault() ?? "?"} {result.ErrorMessage}"));
    }
}
