using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AuthServer.Tests.Infrastructure;

/// <summary>
/// A client's back-channel logout endpoint (OIDC Back-Channel Logout 1.0 §2.5) on a real Kestrel listener at
/// 127.0.0.1: the server's HttpClient makes real calls, so the test host's in-memory transport cannot stand in.
/// </summary>
public sealed class LogoutReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LogoutReceiver(WebApplication app) => _app = app;

    /// <summary>Every logout token posted, in arrival order, whatever the answer was.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    /// <summary>How the next request is answered; 200 unless a test says otherwise.</summary>
    public Func<HttpContext, Task<IResult>> Answer { get; set; } = _ => Task.FromResult(Results.Ok());

    public Uri Uri { get; private set; } = null!;

    public static async Task<LogoutReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new LogoutReceiver(app);
        app.MapPost("/backchannel-logout", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            receiver.Received.Enqueue(form["logout_token"].ToString());
            return await receiver.Answer(context);
        });
        await app.StartAsync();
        receiver.Uri = new Uri(new Uri(app.Urls.Single()), "/backchannel-logout");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }
}
