using OpenIddict.Server;
using OpenIddict.Validation;

namespace AuthServer.Protocol;

/// <summary>
/// Named places for our handlers among OpenIddict's, instead of arithmetic on its order numbers at each descriptor.
/// OpenIddict spaces its own handlers 1,000 apart; "just" leaves no room between, "well" leaves room for a handler it may
/// add in a later version. docs/protocol-pipeline.md shows where each one lands.
/// </summary>
public static class HandlerOrder
{
    /// <summary>Before every handler of OpenIddict's on a response event (its first is at int.MinValue + 100,000): sees the outcome before anything rewrites it.</summary>
    public const int FirstOnResponse = int.MinValue + 50_000;

    public static int JustBefore(OpenIddictServerHandlerDescriptor handler) => handler.Order - 1;

    public static int JustAfter(OpenIddictServerHandlerDescriptor handler) => handler.Order + 1;

    public static int WellBefore(OpenIddictServerHandlerDescriptor handler) => handler.Order - 1_000;

    public static int WellAfter(OpenIddictServerHandlerDescriptor handler) => handler.Order + 1_000;

    public static int WellAfter(OpenIddictValidationHandlerDescriptor handler) => handler.Order + 1_000;
}
