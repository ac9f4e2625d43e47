using AuthServer.Persistence;
using AuthServer.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AuthServer.SharedSignals;

/// <summary>
/// The transmitter's HTTP surface: metadata (SSF 1.0 §7), a receiver's own streams (§8.1.1, poll delivery only) and the
/// poll endpoint (RFC 8936). A stream belongs to the client that created it; another client's stream is "not found".
/// Each handler maps HTTP to <see cref="EventStreams"/>, <see cref="StreamRequests"/> and <see cref="StreamDocuments"/>.
/// </summary>
public static class SharedSignalsEndpoints
{
    public const string Configuration = "/.well-known/ssf-configuration";
    public const string Streams = "/ssf/streams";
    public const string Poll = "/ssf/poll";

    public static IEndpointRouteBuilder MapSharedSignals(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<SharedSignalsOptions>>().Value.Enabled)
        {
            return app;
        }

        app.MapMethods(Configuration, [HttpMethods.Get, HttpMethods.Head], ConfigurationDocument).ExcludeFromDescription();
        var streams = app.MapGroup(Streams).ExcludeFromDescription();
        streams.MapPost("/", CreateStreamAsync);
        streams.MapGet("/", ReadStreamsAsync);
        streams.MapDelete("/", DeleteStreamAsync);
        app.MapPost(Poll + "/{streamId}", PollAsync).ExcludeFromDescription();
        return app;
    }

    /// <summary>SSF 1.0 §7.1: public, so a receiver needs nothing but the issuer to find the rest.</summary>
    private static JsonHttpResult<Dictionary<string, object>> ConfigurationDocument(HttpContext context, IOptions<TokenServerOptions> tokens) =>
        TypedResults.Json(StreamDocuments.Metadata(IssuerOf(context, tokens.Value)));

    /// <summary>SSF 1.0 §8.1.1.1: a new stream for the calling receiver; every live event is waiting in it.</summary>
    private static async Task<IResult> CreateStreamAsync(HttpContext context, EventStreams streams, IOptions<SharedSignalsOptions> options, IOptions<TokenServerOptions> tokens)
    {
        var settings = options.Value;
        var (clientId, refusal) = await SsfCaller.AuthenticateAsync(context, settings);
        if (refusal is not null)
        {
            return refusal;
        }

        string? description = null;
        if (context.Request.ContentLength is not 0 && context.Request.HasJsonContentType())
        {
            var (body, invalid) = await StreamRequests.ReadObjectAsync(context.Request.Body, context.RequestAborted);
            if (invalid is not null)
            {
                return InvalidRequest(invalid);
            }

            if (!StreamRequests.TryReadCreation(body!.Value, out description, out var error))
            {
                return InvalidRequest(error!);
            }
        }

        if (await streams.CreateAsync(clientId!, description, context.RequestAborted) is not { } stream)
        {
            return SsfResults.Error(StatusCodes.Status409Conflict, "invalid_request",
                $"This client already holds {settings.MaxStreamsPerClient} streams polled within the last {settings.LiveStreamWindow.TotalMinutes:0} minutes; delete one it no longer uses.");
        }

        return TypedResults.Json(StreamDocuments.Configuration(stream, IssuerOf(context, tokens.Value), settings), statusCode: StatusCodes.Status201Created);
    }

    /// <summary>SSF 1.0 §8.1.1.2: one stream by `stream_id`, or all of the caller's.</summary>
    private static async Task<IResult> ReadStreamsAsync(HttpContext context, EventStreams streams, IOptions<SharedSignalsOptions> options, IOptions<TokenServerOptions> tokens)
    {
        var (clientId, refusal) = await SsfCaller.AuthenticateAsync(context, options.Value);
        if (refusal is not null)
        {
            return refusal;
        }

        var issuer = IssuerOf(context, tokens.Value);
        if (context.Request.Query.TryGetValue("stream_id", out var id))
        {
            var stream = id.Count == 1 ? await streams.FindAsync(clientId!, id.ToString(), context.RequestAborted) : null;
            return stream is null ? NoSuchStream() : TypedResults.Json(StreamDocuments.Configuration(stream, issuer, options.Value));
        }

        var all = await streams.ListAsync(clientId!, context.RequestAborted);
        return TypedResults.Json(all.Select(s => StreamDocuments.Configuration(s, issuer, options.Value)));
    }

    /// <summary>SSF 1.0 §8.1.1.5: a receiver that shuts down drops its stream (and its acknowledgements with it).</summary>
    private static async Task<IResult> DeleteStreamAsync(HttpContext context, EventStreams streams, IOptions<SharedSignalsOptions> options)
    {
        var (clientId, refusal) = await SsfCaller.AuthenticateAsync(context, options.Value);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!context.Request.Query.TryGetValue("stream_id", out var id) || id.Count != 1)
        {
            return InvalidRequest("stream_id is required.");
        }

        return await streams.DeleteAsync(clientId!, id.ToString(), context.RequestAborted) ? TypedResults.NoContent() : NoSuchStream();
    }

    /// <summary>RFC 8936 §2.4: the receiver's acknowledgements and errors in, its next SETs out (<see cref="EventStreams.PollAsync"/>).</summary>
    private static async Task<IResult> PollAsync(string streamId, HttpContext context, EventStreams streams, IOptions<SharedSignalsOptions> options, IOptions<TokenServerOptions> tokens)
    {
        var (clientId, refusal) = await SsfCaller.AuthenticateAsync(context, options.Value);
        if (refusal is not null)
        {
            return refusal;
        }

        var stream = streamId.Length == EventStreamRegistration.IdLength ? await streams.FindAsync(clientId!, streamId, context.RequestAborted) : null;
        if (stream is null)
        {
            return NoSuchStream();
        }

        if (!context.Request.HasJsonContentType())
        {
            return SsfResults.Error(StatusCodes.Status415UnsupportedMediaType, "invalid_request", "The poll request is a JSON object (Content-Type: application/json).");
        }

        var (body, invalid) = await StreamRequests.ReadObjectAsync(context.Request.Body, context.RequestAborted);
        if (invalid is not null)
        {
            return InvalidRequest(invalid);
        }

        if (PollRequest.Parse(body!.Value, out var error) is not { } request)
        {
            return InvalidRequest(error!);
        }

        return TypedResults.Json(await streams.PollAsync(stream, request, IssuerOf(context, tokens.Value), context.RequestAborted));
    }

    private static IResult InvalidRequest(string description) => SsfResults.Error(StatusCodes.Status400BadRequest, "invalid_request", description);

    private static IResult NoSuchStream() => SsfResults.Error(StatusCodes.Status404NotFound, "invalid_request", "No stream of this client has this id.");

    /// <summary>The configured issuer; in Development without one, the request's own origin (as OpenIddict does).</summary>
    private static string IssuerOf(HttpContext context, TokenServerOptions tokens) =>
        tokens.Issuer?.AbsoluteUri ?? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/";
}
