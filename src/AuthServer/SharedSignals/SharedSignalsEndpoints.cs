using System.Security.Cryptography;
using System.Text.Json;
using AuthServer.Contracts.SharedSignals;
using AuthServer.Persistence;
using AuthServer.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AuthServer.SharedSignals;

/// <summary>
/// The transmitter's HTTP surface: metadata (SSF 1.0 §7), a receiver's own streams (§8.1.1, poll delivery only) and the
/// poll endpoint (RFC 8936). A stream belongs to the client that created it; another client's stream is "not found".
/// </summary>
public static partial class SharedSignalsEndpoints
{
    public const string Configuration = "/.well-known/ssf-configuration";
    public const string Streams = "/ssf/streams";
    public const string Poll = "/ssf/poll";

    /// <summary>A stream's last poll is written at most this often, so an idle poll stays a read.</summary>
    private static readonly TimeSpan s_touchInterval = TimeSpan.FromMinutes(1);

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
    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<Dictionary<string, object>> ConfigurationDocument(HttpContext context, IOptions<TokenOptions> tokens)
    {
        var issuer = IssuerOf(context, tokens.Value);
        return TypedResults.Json(new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["spec_version"] = "1_0",
            ["issuer"] = issuer,
            ["jwks_uri"] = At(issuer, Endpoints.Jwks),
            ["delivery_methods_supported"] = new[] { DeliveryMethods.Poll },
            ["configuration_endpoint"] = At(issuer, Streams),
            ["authorization_schemes"] = new[] { new Dictionary<string, string> { ["spec_urn"] = "urn:ietf:rfc:6749" } },
            ["default_subjects"] = "ALL",
        });
    }

    /// <summary>SSF 1.0 §8.1.1.1: a new stream for the calling receiver; every live event is waiting in it.</summary>
    private static async Task<IResult> CreateStreamAsync(HttpContext context, AuthDbContext db, TimeProvider clock, IOptions<SharedSignalsOptions> options,
        IOptions<TokenOptions> tokens, ILogger<EventStreamRegistration> logger)
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
            var (body, invalid) = await ReadObjectAsync(context);
            if (invalid is not null)
            {
                return invalid;
            }

            if (body!.Value.TryGetProperty("delivery", out var delivery)
                && (delivery.ValueKind != JsonValueKind.Object
                    || (delivery.TryGetProperty("method", out var method) && (method.ValueKind != JsonValueKind.String || method.GetString() != DeliveryMethods.Poll))))
            {
                return SsfResults.Error(StatusCodes.Status400BadRequest, "invalid_request", $"Only poll delivery ({DeliveryMethods.Poll}) is supported.");
            }

            if (body.Value.TryGetProperty("description", out var text))
            {
                if (text.ValueKind != JsonValueKind.String)
                {
                    return SsfResults.Error(StatusCodes.Status400BadRequest, "invalid_request", "description must be a string.");
                }

                description = text.GetString() is { Length: > EventStreamRegistration.DescriptionLength } long_ ? long_[..EventStreamRegistration.DescriptionLength] : text.GetString();
            }
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var stream = new EventStreamRegistration
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(EventStreamRegistration.IdLength / 2)),
            ClientId = clientId!,
            Description = description,
            CreatedAt = now,
            LastPolledAt = now,
        };

        var owned = db.SecurityEventStreams.Where(s => s.ClientId == clientId);
        var surplus = await owned.CountAsync(context.RequestAborted) - settings.MaxStreamsPerClient + 1;
        if (surplus > 0)
        {
            // Only idle streams make room: a live API instance's stream is never dropped for a new one.
            var idleBefore = now - settings.LiveStreamWindow;
            var oldest = owned.Where(s => s.LastPolledAt < idleBefore).OrderBy(s => s.LastPolledAt).Take(surplus).Select(s => s.Id);
            if (await db.SecurityEventStreams.Where(s => oldest.Contains(s.Id)).ExecuteDeleteAsync(context.RequestAborted) < surplus)
            {
                return SsfResults.Error(StatusCodes.Status409Conflict, "invalid_request",
                    $"This client already holds {settings.MaxStreamsPerClient} streams polled within the last {settings.LiveStreamWindow.TotalMinutes:0} minutes; delete one it no longer uses.");
            }
        }

        db.SecurityEventStreams.Add(stream);
        await db.SaveChangesAsync(context.RequestAborted);
        LogStreamCreated(logger, stream.Id, clientId!);
        return TypedResults.Json(StreamConfiguration(stream, IssuerOf(context, tokens.Value), settings), statusCode: StatusCodes.Status201Created);
    }

    /// <summary>SSF 1.0 §8.1.1.2: one stream by `stream_id`, or all of the caller's.</summary>
    private static async Task<IResult> ReadStreamsAsync(HttpContext context, AuthDbContext db, IOptions<SharedSignalsOptions> options, IOptions<TokenOptions> tokens)
    {
        var (clientId, refusal) = await SsfCaller.AuthenticateAsync(context, options.Value);
        if (refusal is not null)
        {
            return refusal;
        }

        var issuer = IssuerOf(context, tokens.Value);
        var owned = db.SecurityEventStreams.AsNoTracking().Where(s => s.ClientId == clientId);
        if (context.Request.Query.TryGetValue("stream_id", out var id))
        {
            var stream = id.Count == 1 ? await owned.FirstOrDefaultAsync(s => s.Id == id.ToString(), context.RequestAborted) : null;
            return stream is null ? NoSuchStream() : TypedResults.Json(StreamConfiguration(stream, issuer, options.Value));
        }

        var all = await owned.OrderBy(s => s.CreatedAt).Take(options.Value.MaxStreamsPerClient).ToListAsync(context.RequestAborted);
        return TypedResults.Json(all.Select(s => StreamConfiguration(s, issuer, options.Value)));
    }

    /// <summary>SSF 1.0 §8.1.1.5: a receiver that shuts down drops its stream (and its acknowledgements with it).</summary>
    private static async Task<IResult> DeleteStreamAsync(HttpContext context, AuthDbContext db, IOptions<SharedSignalsOptions> options, ILogger<EventStreamRegistration> logger)
    {
        var (clientId, refusal) = await SsfCaller.AuthenticateAsync(context, options.Value);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!context.Request.Query.TryGetValue("stream_id", out var id) || id.Count != 1)
        {
            return SsfResults.Error(StatusCodes.Status400BadRequest, "invalid_request", "stream_id is required.");
        }

        var streamId = id.ToString();
        if (await db.SecurityEventStreams.Where(s => s.Id == streamId && s.ClientId == clientId).ExecuteDeleteAsync(context.RequestAborted) == 0)
        {
            return NoSuchStream();
        }

        LogStreamDeleted(logger, streamId, clientId!);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// RFC 8936 §2.4: acknowledgements and errors first (never served to this stream again), then up to `maxEvents` live
    /// events not yet acknowledged, oldest first, held open up to <see cref="SharedSignalsOptions.LongPollWait"/> unless
    /// `returnImmediately`.
    /// </summary>
    private static async Task<IResult> PollAsync(string streamId, HttpContext context, AuthDbContext db, TimeProvider clock, SecurityEventTokens sets,
        LongPollSlots slots, IOptions<SharedSignalsOptions> options, IOptions<TokenOptions> tokens, ILogger<EventStreamRegistration> logger)
    {
        var settings = options.Value;
        var (clientId, refusal) = await SsfCaller.AuthenticateAsync(context, settings);
        if (refusal is not null)
        {
            return refusal;
        }

        var stream = streamId.Length == EventStreamRegistration.IdLength
            ? await db.SecurityEventStreams.AsNoTracking().FirstOrDefaultAsync(s => s.Id == streamId && s.ClientId == clientId, context.RequestAborted)
            : null;
        if (stream is null)
        {
            return NoSuchStream();
        }

        if (!context.Request.HasJsonContentType())
        {
            return SsfResults.Error(StatusCodes.Status415UnsupportedMediaType, "invalid_request", "The poll request is a JSON object (Content-Type: application/json).");
        }

        var (body, invalid) = await ReadObjectAsync(context);
        if (invalid is not null)
        {
            return invalid;
        }

        if (PollRequest.Parse(body!.Value, out var error) is not { } request)
        {
            return SsfResults.Error(StatusCodes.Status400BadRequest, "invalid_request", error!);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await AcknowledgeAsync(db, stream, request, now, logger, context.RequestAborted);
        if (now - stream.LastPolledAt >= s_touchInterval)
        {
            await db.SecurityEventStreams.Where(s => s.Id == stream.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.LastPolledAt, now), context.RequestAborted);
        }

        var take = Math.Min(request.MaxEvents ?? settings.MaxEventsPerPoll, settings.MaxEventsPerPoll);
        var issuer = IssuerOf(context, tokens.Value);
        var answer = new Dictionary<string, object>(StringComparer.Ordinal);
        if (take == 0)
        {
            answer["sets"] = new Dictionary<string, string>();
            return TypedResults.Json(answer);
        }

        // The wait is the request's, in wall time; which events are live is the domain clock's. A client already holding
        // its share of open polls on this instance is answered at once (RFC 8936 §2.4 lets the transmitter not wait).
        var wait = request.ReturnImmediately ? TimeSpan.Zero : settings.LongPollWait;
        var slot = wait > TimeSpan.Zero && slots.TryTake(stream.ClientId, settings.MaxLongPollsPerClient);
        List<SecurityEvent> due;
        try
        {
            var held = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                var current = clock.GetUtcNow().UtcDateTime;
                due = await db.SecurityEvents.AsNoTracking()
                    .Where(e => e.ExpiresAt > current && !db.SecurityEventAcks.Any(a => a.StreamId == stream.Id && a.EventId == e.Id))
                    .OrderBy(e => e.Id).Take(take + 1)
                    .ToListAsync(context.RequestAborted);
                if (due.Count > 0 || !slot || held.Elapsed >= wait)
                {
                    break;
                }

                await Task.Delay(settings.LongPollCheckInterval, context.RequestAborted);
            }
        }
        finally
        {
            if (slot)
            {
                slots.Return(stream.ClientId);
            }
        }

        answer["sets"] = due.Take(take).ToDictionary(e => e.Jti, e => sets.Create(e, issuer, stream.ClientId), StringComparer.Ordinal);
        answer["moreAvailable"] = due.Count > take;
        return TypedResults.Json(answer);
    }

    private static async Task AcknowledgeAsync(AuthDbContext db, EventStreamRegistration stream, PollRequest request, DateTime now, ILogger logger, CancellationToken cancellationToken)
    {
        var jtis = request.Acks.Concat(request.Errors.Keys).Distinct(StringComparer.Ordinal).ToList();
        if (jtis.Count == 0)
        {
            return;
        }

        var known = await db.SecurityEvents.AsNoTracking().Where(e => jtis.Contains(e.Jti)).Select(e => new { e.Id, e.Jti }).ToListAsync(cancellationToken);
        var ids = known.Select(e => e.Id).ToList();
        var done = await db.SecurityEventAcks.Where(a => a.StreamId == stream.Id && ids.Contains(a.EventId)).Select(a => a.EventId).ToListAsync(cancellationToken);
        var fresh = known.Where(e => !done.Contains(e.Id)).Select(e => new SecurityEventAck
        {
            StreamId = stream.Id,
            EventId = e.Id,
            AckedAt = now,
            Error = request.Errors.TryGetValue(e.Jti, out var err) ? err : null,
        }).ToList();

        foreach (var reported in fresh.Where(a => a.Error is not null))
        {
            LogReceiverError(logger, stream.ClientId, stream.Id, known.First(e => e.Id == reported.EventId).Jti, reported.Error!);
        }

        if (fresh.Count == 0)
        {
            return;
        }

        db.SecurityEventAcks.AddRange(fresh);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two polls of one stream at once acknowledged the same SET: the other one recorded it, which is all that matters.
        }
        finally
        {
            foreach (var ack in fresh)
            {
                db.Entry(ack).State = EntityState.Detached;
            }
        }
    }

    private static async Task<(JsonElement? Body, IResult? Invalid)> ReadObjectAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, new JsonDocumentOptions { MaxDepth = 8 }, context.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, SsfResults.Error(StatusCodes.Status400BadRequest, "invalid_request", "The request body must be a JSON object."));
            }

            ReadEveryString(document.RootElement);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException)
        {
            return (null, SsfResults.Error(StatusCodes.Status400BadRequest, "invalid_request", "The request body is not valid JSON."));
        }
        catch (InvalidOperationException)
        {
            return (null, SsfResults.Error(StatusCodes.Status400BadRequest, "invalid_request", "The request body holds a string that is not valid UTF-8 (a lone surrogate or a broken byte sequence)."));
        }
    }

    /// <summary>
    /// The parser accepts a lone surrogate escape ("\ud800") or invalid UTF-8 inside a string and throws only when the
    /// string is read (InvalidOperationException), so every name and string is read once here, before any handler does.
    /// </summary>
    private static void ReadEveryString(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    ReadEveryString(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    ReadEveryString(item);
                }

                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            default:
                break;
        }
    }

    private static Dictionary<string, object> StreamConfiguration(EventStreamRegistration stream, string issuer, SharedSignalsOptions settings)
    {
        var configuration = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["stream_id"] = stream.Id,
            ["iss"] = issuer,
            ["aud"] = stream.ClientId,
            ["delivery"] = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["method"] = DeliveryMethods.Poll,
                ["endpoint_url"] = At(issuer, $"{Poll}/{stream.Id}"),
            },
            ["events_supported"] = CaepEvents.Supported,
            ["events_delivered"] = CaepEvents.Supported,
            ["inactivity_timeout"] = (long)settings.StreamInactivityTimeout.TotalSeconds,
        };
        if (stream.Description is not null)
        {
            configuration["description"] = stream.Description;
        }

        return configuration;
    }

    private static IResult NoSuchStream() => SsfResults.Error(StatusCodes.Status404NotFound, "invalid_request", "No stream of this client has this id.");

    /// <summary>The configured issuer; in Development without one, the request's own origin (as OpenIddict does).</summary>
    private static string IssuerOf(HttpContext context, TokenOptions tokens) =>
        tokens.Issuer?.AbsoluteUri ?? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/";

    private static string At(string issuer, string path) => issuer.TrimEnd('/') + path;

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "Revocation feed stream {StreamId} created for receiver {ClientId}")]
    private static partial void LogStreamCreated(ILogger logger, string streamId, string clientId);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "Revocation feed stream {StreamId} deleted by receiver {ClientId}")]
    private static partial void LogStreamDeleted(ILogger logger, string streamId, string clientId);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "Receiver {ClientId} (stream {StreamId}) could not process SET {Jti}: {Error}")]
    private static partial void LogReceiverError(ILogger logger, string clientId, string streamId, string jti, string error);
}
