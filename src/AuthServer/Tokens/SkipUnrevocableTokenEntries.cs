using AuthServer.Protocol;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AuthServer.Tokens;

/// <summary>
/// Access and identity tokens are self-contained JWTs that nobody asks the server about, so a row per
/// token would only cost a write per grant. Refresh tokens and codes keep their rows: those are what revocation finds.
/// </summary>
public sealed class SkipUnrevocableTokenEntries : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
        .UseSingletonHandler<SkipUnrevocableTokenEntries>()
        .SetOrder(HandlerOrder.WellBefore(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor))
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        if (context.TokenType is TokenTypeIdentifiers.AccessToken or TokenTypeIdentifiers.IdentityToken)
        {
            context.CreateTokenEntry = false;
        }

        return default;
    }
}
