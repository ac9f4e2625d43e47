using System.Security.Claims;
using System.Security.Cryptography;
using AuthServer.Clients;
using AuthServer.Contracts.Admin;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using static OpenIddict.Abstractions.OpenIddictConstants;
using Application = OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication;

namespace AuthServer.Admin;

/// <summary>Client secret rotation: a new secret, shown once, with the old one kept valid for an overlap (decision 008).</summary>
public static class ClientAdmin
{
    public static RouteGroupBuilder MapClientAdmin(this RouteGroupBuilder admin)
    {
        admin.MapPost("/clients/{clientId}/rotate-secret", RotateSecretAsync);
        return admin;
    }

    internal static async Task<Results<Ok<RotatedSecret>, ProblemHttpResult, ValidationProblem>> RotateSecretAsync(
        string clientId, RotateSecretRequest? request, OpenIddictApplicationManager<Application> applications, IOpenIddictApplicationStore<Application> store,
        IOptions<CatalogOptions> options, TimeProvider clock, ClaimsPrincipal actor, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var overlap = options.Value.SecretOverlap;
        if (request?.OverlapMinutes is { } minutes)
        {
            // A call may shorten the overlap (0 ends the old secret now, for a leak in use), never extend it.
            if (minutes < 0 || TimeSpan.FromMinutes(minutes) > overlap)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["overlapMinutes"] = [$"Must be between 0 and {overlap.TotalMinutes:0} (Catalog:SecretOverlap)."],
                });
            }

            overlap = TimeSpan.FromMinutes(minutes);
        }

        // From the store, not the shared cache: the update needs this scope's own tracked row.
        if (await store.FindByClientIdAsync(clientId, cancellationToken) is not { } application)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown client", detail: "No client has this id.");
        }

        if (!await applications.HasClientTypeAsync(application, ClientTypes.Confidential, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a confidential client", detail: $"Client '{clientId}' has no secret to rotate.");
        }

        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        var stamp = CatalogStamp.Read(descriptor.Properties);
        var validUntil = clock.GetUtcNow() + overlap;
        var retired = stamp.RetiredSecrets.Prepend(new RetiredSecret(descriptor.ClientSecret!, validUntil)).Take(CatalogStamp.MaxRetiredSecrets).ToList();

        // 256 random bits: nothing to guess, and the manager stores only its hash.
        var secret = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        descriptor.ClientSecret = secret;
        (stamp with { SecretSource = CatalogStamp.FromRotation, RetiredSecrets = retired }).WriteTo(descriptor.Properties);
        try
        {
            await applications.UpdateAsync(application, descriptor, cancellationToken);
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Client changed meanwhile", detail: "Another change to the client won the race; try again.");
        }

        AdminAudit.Action(loggers, actor, "client-secret-rotated", clientId);
        return TypedResults.Ok(new RotatedSecret(clientId, secret, validUntil));
    }
}
