using Microsoft.Extensions.Options;

namespace AuthServer.Keys;

/// <summary>Outside Development the keys must come from files the operator provides: generated keys would differ per instance.</summary>
public sealed class KeyOptionsValidator(IHostEnvironment environment) : IValidateOptions<KeyOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyOptions options)
    {
        if (environment.IsDevelopment())
        {
            return ValidateOptionsResult.Success;
        }

        if (options.SigningKeyFiles.Count == 0 || options.EncryptionKeyFiles.Count == 0)
        {
            return ValidateOptionsResult.Fail(
                "Keys:SigningKeyFiles and Keys:EncryptionKeyFiles must name key files outside Development; see docs/operations.md to create them.");
        }

        var missing = options.SigningKeyFiles.Concat(options.EncryptionKeyFiles).Where(file => !File.Exists(file)).ToList();
        return missing.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Key file(s) not found: {string.Join(", ", missing)}.");
    }
}
