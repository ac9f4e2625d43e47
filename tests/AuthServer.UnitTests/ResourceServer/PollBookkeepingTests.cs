using System.Text.Json;
using AuthServer.ResourceServer;
using Microsoft.IdentityModel.Tokens;

namespace AuthServer.UnitTests.ResourceServer;

/// <summary>What the feed owes the server from one poll to the next (RFC 8936 §2.4), with the time passed in.</summary>
public sealed class PollBookkeepingTests
{
    private static readonly DateTimeOffset s_start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_poll_asks_for_sets_and_owes_nothing() =>
        Assert.Equal("""{"maxEvents":25,"returnImmediately":true}""", Json(new PollBookkeeping().RequestBody(25)));

    [Fact]
    public void The_next_poll_carries_the_acknowledgements_and_errors_then_they_are_forgotten_once_answered()
    {
        var book = new PollBookkeeping();
        book.AnswerReceived();
        book.Acknowledge("j1");
        book.Acknowledge("j2");
        book.Reject("j3", "invalid_issuer");

        Assert.Equal("""{"maxEvents":10,"returnImmediately":true,"ack":["j1","j2"],"setErrs":{"j3":{"err":"invalid_issuer","description":"Refused by the receiver."}}}""", Json(book.RequestBody(10)));

        book.AnswerReceived();
        Assert.Equal("""{"maxEvents":10,"returnImmediately":true}""", Json(book.RequestBody(10)));
    }

    [Fact]
    public void A_new_stream_is_owed_nothing_of_the_old_one()
    {
        var book = new PollBookkeeping();
        book.Acknowledge("j1");
        book.Reject("j2", "invalid_key");

        book.StreamReplaced();

        Assert.Equal("""{"maxEvents":1,"returnImmediately":true}""", Json(book.RequestBody(1)));
    }

    [Fact]
    public void A_set_signed_by_an_unknown_key_waits_the_configured_polls_then_is_rejected()
    {
        var book = new PollBookkeeping(unknownKeyPolls: 3, TimeSpan.FromSeconds(30));

        Assert.Equal([true, true, false], [book.KeepWaitingForKey("j"), book.KeepWaitingForKey("j"), book.KeepWaitingForKey("j")]);
        Assert.True(book.KeepWaitingForKey("other"));
    }

    [Fact]
    public void A_verified_set_starts_its_unknown_key_count_again()
    {
        var book = new PollBookkeeping(unknownKeyPolls: 2, TimeSpan.FromSeconds(30));
        Assert.True(book.KeepWaitingForKey("j"));

        book.Verified("j");

        Assert.True(book.KeepWaitingForKey("j"));
        Assert.False(book.KeepWaitingForKey("j"));
    }

    [Fact]
    public void Pruning_is_due_once_per_interval_and_forgets_the_unknown_key_counts()
    {
        var book = new PollBookkeeping(unknownKeyPolls: 2, TimeSpan.FromSeconds(30));
        Assert.True(book.PruneDue(s_start));
        Assert.True(book.KeepWaitingForKey("j"));

        Assert.False(book.PruneDue(s_start.AddSeconds(29)));
        Assert.False(book.KeepWaitingForKey("j"));
        Assert.True(book.PruneDue(s_start.AddSeconds(30)));
        Assert.True(book.KeepWaitingForKey("j"));
    }

    [Fact]
    public void The_keys_are_fetched_again_at_most_once_per_answer()
    {
        var book = new PollBookkeeping();

        Assert.True(book.TryRefreshKeys());
        Assert.False(book.TryRefreshKeys());
        book.AnswerReceived();
        Assert.True(book.TryRefreshKeys());
    }

    [Fact]
    public void A_refused_token_is_retried_once_and_a_second_refusal_in_a_row_is_a_failure()
    {
        var book = new PollBookkeeping();

        Assert.True(book.RetryAfterRefusedToken());
        Assert.False(book.RetryAfterRefusedToken());
        book.TokenAccepted();
        Assert.True(book.RetryAfterRefusedToken());
    }

    [Fact]
    public void A_failed_verification_is_reported_with_its_rfc_8935_code()
    {
        Assert.Equal("invalid_issuer", PollBookkeeping.ErrorFor(new SecurityTokenInvalidIssuerException()));
        Assert.Equal("invalid_audience", PollBookkeeping.ErrorFor(new SecurityTokenInvalidAudienceException()));
        Assert.Equal("invalid_key", PollBookkeeping.ErrorFor(new SecurityTokenSignatureKeyNotFoundException()));
        Assert.Equal("authentication_failed", PollBookkeeping.ErrorFor(new SecurityTokenInvalidSignatureException()));
        Assert.Equal("authentication_failed", PollBookkeeping.ErrorFor(null));
    }

    private static string Json(Dictionary<string, object> body) => JsonSerializer.Serialize(body);
}
