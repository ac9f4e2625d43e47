using Microsoft.Extensions.Options;

namespace AuthServer.Keys;

/// <summary>
/// Outside Development the keys come from the database (automatic) or from files the operator provides (generated keys
/// would differ per instance), and each file must hold a usable key: the server would otherwise start and fail at the first token.
/// </summary>
public sealed class KeyOptionsValidator(IHostEnvironment environment) : IValidateOptions<KeyOptions>
{
    private const string Prefix = KeyOptions.Section + ":";

    public ValidateOptionsResult Validate(string? name, KeyOptions options)
    {
        var failures = new List<string>();
        switch (options.SourceIn(environment))
        {
            case KeySource.DevelopmentFolder:
                return ValidateOptionsResult.Success;

            case KeySource.Automatic:
                if (options.AnnouncePeriod >= options.ActivePeriod)
                {
                    failures.Add($"{Prefix}{nameof(KeyOptions.AnnouncePeriod)} must be shorter than {Prefix}{nameof(KeyOptions.ActivePeriod)}.");
                }

                if (options.RefreshInterval >= options.AnnouncePeriod)
                {
                    failures.Add($"{Prefix}{nameof(KeyOptions.RefreshInterval)} must be shorter than {Prefix}{nameof(KeyOptions.AnnouncePeriod)}: every instance must see a key before it is used.");
                }

                if (options.PublicationDelay > TimeSpan.Zero && options.PublicationDelay <= options.RefreshInterval)
                {
                    failures.Add($"{Prefix}{nameof(KeyOptions.PublicationDelay)} must be longer than {Prefix}{nameof(KeyOptions.RefreshInterval)} (or 0): every instance must publish a rotated key before any signs with it.");
                }

                break;

            default:
                if (options.SigningKeyFiles.Count == 0)
                {
                    failures.Add($"{Prefix}{nameof(KeyOptions.SigningKeyFiles)} must name at least one signing key file outside Development (`AuthServer keys create` writes them), or leave both lists empty for automatic keys.");
                }

                if (options.EncryptionKeyFiles.Count == 0)
                {
                    failures.Add($"{Prefix}{nameof(KeyOptions.EncryptionKeyFiles)} must name at least one encryption key file outside Development (`AuthServer keys create` writes one), or leave both lists empty for automatic keys.");
                }

                failures.AddRange(KeyFileInspection.Inspect(options).SelectMany(report => report.Problems.Select(problem => $"{report.Setting} {problem}")));
                break;
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
