using Microsoft.Extensions.Options;

namespace AuthServer.Keys;

/// <summary>
/// Outside Development the keys must come from files the operator provides (generated keys would differ per
/// instance), and each file must hold a usable key: the server would otherwise start and fail at the first token.
/// </summary>
public sealed class KeyOptionsValidator(IHostEnvironment environment) : IValidateOptions<KeyOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyOptions options)
    {
        // Development generates its own keys unless both lists are given (KeyRing.Load).
        if (environment.IsDevelopment() && (options.SigningKeyFiles.Count == 0 || options.EncryptionKeyFiles.Count == 0))
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (options.SigningKeyFiles.Count == 0)
        {
            failures.Add($"{KeyOptions.Section}:{nameof(KeyOptions.SigningKeyFiles)} must name at least one signing key file outside Development (`AuthServer keys create` writes them).");
        }

        if (options.EncryptionKeyFiles.Count == 0)
        {
            failures.Add($"{KeyOptions.Section}:{nameof(KeyOptions.EncryptionKeyFiles)} must name at least one encryption key file outside Development (`AuthServer keys create` writes one).");
        }

        failures.AddRange(KeyFileInspection.Inspect(options).SelectMany(report => report.Problems.Select(problem => $"{report.Setting} {problem}")));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
