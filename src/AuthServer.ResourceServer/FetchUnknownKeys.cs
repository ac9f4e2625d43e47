using Microsoft.IdentityModel.Tokens;

namespace AuthServer.ResourceServer;

/// <summary>
/// Shows <see cref="IssuerKeys"/> each token's `kid` before it is validated, so a key published since the last fetch is
/// fetched first (within the limits IssuerKeys sets) and the token accepted on its first call.
/// </summary>
public sealed class FetchUnknownKeys(TokenHandler inner, IssuerKeys keys) : TokenHandler
{
    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        await keys.EnsureKnownAsync(IssuerKeys.KidOf(token), CancellationToken.None);
        return await inner.ValidateTokenAsync(token, validationParameters);
    }
}
