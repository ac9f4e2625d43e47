using System.Buffers;
using System.ComponentModel.DataAnnotations;
using AuthServer.ErrorHandling;
using AuthServer.Settings;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AuthServer.Hosting;

public sealed class RequestLimitsOptions
{
    public const string Section = "Limits";

    /// <summary>
    /// The largest request body any endpoint reads: 64 KB by default. A token request or a login form is a few
    /// hundred bytes and an admin API call a few KB, so nothing legitimate comes near it.
    /// </summary>
    [Range(typeof(long), "4096", "10485760")]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The most fields a form may hold: 100 by default (the consent post, the largest, carries about 15).</summary>
    [Range(16, 1_000)]
    public int MaxFormValues { get; set; } = 100;
}

/// <summary>
/// One body size limit for every endpoint, so a stranger cannot make the server read, buffer or parse megabytes
/// (the framework's default is 30 MB). Refused with 413 in the caller's error shape, before any endpoint runs.
/// </summary>
public static class RequestLimits
{
    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        services.BindSettings<RequestLimitsOptions>(RequestLimitsOptions.Section);
        services.AddOptions<FormOptions>().Configure<IOptions<RequestLimitsOptions>>((form, limits) =>
        {
            var max = limits.Value.MaxRequestBodyBytes;
            form.ValueCountLimit = limits.Value.MaxFormValues;
            form.ValueLengthLimit = (int)max;
            form.KeyLengthLimit = 256; // OAuth and form field names are a few dozen characters at most.
            form.BufferBodyLengthLimit = max;
            form.MultipartBodyLengthLimit = max;
        });
        return services;
    }

    /// <summary>Inside the error handler and the request log, so a refusal is logged like any other answer.</summary>
    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app)
    {
        var max = app.ApplicationServices.GetRequiredService<IOptions<RequestLimitsOptions>>().Value.MaxRequestBodyBytes;
        return app.Use(async (context, next) =>
        {
            // Enforced by the server itself where it can (Kestrel, IIS); the checks below cover the others (the test host).
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = max;
            }

            var request = context.Request;
            if (request.ContentLength > max || (request.ContentLength is null && !await BufferChunkedBodyAsync(context, max)))
            {
                await ProtocolErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, Errors.InvalidRequest,
                    $"The request body is larger than the {max} bytes this server accepts.");
                return;
            }

            await next(context);
        });
    }

    /// <summary>
    /// A body without Content-Length (chunked) is read here, up to the limit, so an oversized one is refused before
    /// any endpoint sees it rather than half-way through a parser. False when it is too large.
    /// </summary>
    private static async Task<bool> BufferChunkedBodyAsync(HttpContext context, long max)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return true;
        }

        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        MemoryStream? body = null;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                body ??= new MemoryStream();
                if (body.Length + read > max)
                {
                    await body.DisposeAsync();
                    return false;
                }

                body.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own limit (the feature above) tripped first.
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (body is not null)
        {
            body.Position = 0;
            context.Request.Body = body;
            context.Response.RegisterForDisposeAsync(body);
        }

        return true;
    }
}
