using System.Net;
using System.Net.Sockets;

namespace AuthServer.Throttling;

/// <summary>The caller's address as throttling sees it: after trusted forwarded headers only (the proxy sets it).</summary>
public static class SourceAddress
{
    /// <summary>An IPv6 host usually owns a whole /64, so the /64 is one source; otherwise each address is one.</summary>
    public static string Of(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
