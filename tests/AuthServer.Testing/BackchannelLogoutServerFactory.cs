namespace AuthServer.Tests.Infrastructure;

/// <summary>The server, with the `spa` client's back-channel logout URI pointing at a real receiver, polled every second.</summary>
public sealed class BackchannelLogoutServerFactory : AuthServerFactory
{
    public BackchannelLogoutServerFactory()
    {
        Receiver = LogoutReceiver.StartAsync().GetAwaiter().GetResult();
        Set("Catalog:Clients:spa:BackchannelLogoutUri", Receiver.Uri.AbsoluteUri);
        Set("BackchannelLogout:PollInterval", "00:00:01");
        Set("BackchannelLogout:Timeout", "00:00:02");
    }

    public LogoutReceiver Receiver { get; }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Receiver.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
