using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace AuthServer.Bff.Sessions;

/// <summary>
/// Turns an authentication ticket (the user's claims and tokens) into the bytes a row holds and back. Encrypted and
/// authenticated with Data Protection under a purpose that includes the row's key, so the bytes mean nothing elsewhere.
/// </summary>
public sealed class SessionTickets(IDataProtectionProvider protection)
{
    /// <summary>Inside the ticket: the row it lives in, so an endpoint can act on the session its cookie points at.</summary>
    public const string KeyItem = ".bff.key";

    /// <summary>Inside the ticket: set once the user asked to sign out and only the server's end-session redirect remains.</summary>
    public const string EndingItem = ".bff.ending";

    /// <summary>Inside an ending ticket, whose principal is emptied: whose session it was.</summary>
    public const string SubjectItem = ".bff.sub";

    private const string Purpose = "AuthServer.Bff.SessionTicket.v1";

    public byte[] Protect(string key, AuthenticationTicket ticket) =>
        protection.CreateProtector(Purpose, key).Protect(TicketSerializer.Default.Serialize(ticket));

    /// <summary>Null when the bytes do not decrypt (another key ring, a moved row, tampering): the session is then as good as gone.</summary>
    public AuthenticationTicket? Unprotect(string key, byte[] data)
    {
        try
        {
            return TicketSerializer.Default.Deserialize(protection.CreateProtector(Purpose, key).Unprotect(data));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public static string NewKey() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
