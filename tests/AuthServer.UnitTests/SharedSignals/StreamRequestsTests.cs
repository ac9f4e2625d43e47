using System.Text;
using System.Text.Json;
using AuthServer.SharedSignals;

namespace AuthServer.UnitTests.SharedSignals;

/// <summary>A receiver's request bodies are one readable JSON object, and a stream creation asks only for what is served.</summary>
public sealed class StreamRequestsTests
{
    [Fact]
    public async Task An_object_is_read_whole()
    {
        var (body, error) = await ReadAsync("""{"description":"api","n":[1,"x"]}"""u8.ToArray());

        Assert.Null(error);
        Assert.Equal("api", body!.Value.GetProperty("description").GetString());
    }

    [Theory]
    [InlineData("[1]", "The request body must be a JSON object.")]
    [InlineData("{\"a\":", "The request body is not valid JSON.")]
    [InlineData("", "The request body is not valid JSON.")]
    [InlineData("{\"a\":[{\"b\":\"\\ud800\"}]}", "The request body holds a string that is not valid UTF-8 (a lone surrogate or a broken byte sequence).")]
    [InlineData("{\"\\udc00\":1}", "The request body holds a string that is not valid UTF-8 (a lone surrogate or a broken byte sequence).")]
    public async Task Anything_else_is_refused_with_a_reason(string json, string expected)
    {
        var (body, error) = await ReadAsync(Encoding.UTF8.GetBytes(json));

        Assert.Null(body);
        Assert.Equal(expected, error);
    }

    [Fact]
    public async Task A_broken_utf8_byte_sequence_in_a_string_is_refused() =>
        Assert.StartsWith("The request body holds a string that is not valid UTF-8", (await ReadAsync([.. "{\"d\":\""u8, 0xC3, 0x28, .. "\"}"u8])).Error, StringComparison.Ordinal);

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"delivery":{}}""")]
    [InlineData("""{"delivery":{"method":"urn:ietf:rfc:8936"},"events_requested":["anything"]}""")]
    public void A_creation_asking_for_poll_delivery_or_no_method_is_accepted(string json)
    {
        Assert.True(StreamRequests.TryReadCreation(Parse(json), out var description, out var error));
        Assert.Null(description);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("""{"delivery":{"method":"urn:ietf:rfc:8935"}}""", "Only poll delivery (urn:ietf:rfc:8936) is supported.")]
    [InlineData("""{"delivery":{"method":8936}}""", "Only poll delivery (urn:ietf:rfc:8936) is supported.")]
    [InlineData("""{"delivery":"poll"}""", "Only poll delivery (urn:ietf:rfc:8936) is supported.")]
    [InlineData("""{"description":42}""", "description must be a string.")]
    public void A_creation_asking_for_anything_else_is_refused(string json, string expected)
    {
        Assert.False(StreamRequests.TryReadCreation(Parse(json), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_description_is_kept_up_to_what_is_stored()
    {
        Assert.True(StreamRequests.TryReadCreation(Parse($$"""{"description":"{{new string('d', 250)}}"}"""), out var description, out _));
        Assert.Equal(new string('d', 200), description);

        Assert.True(StreamRequests.TryReadCreation(Parse("""{"description":"orders-api"}"""), out description, out _));
        Assert.Equal("orders-api", description);
    }

    private static async Task<(JsonElement? Body, string? Error)> ReadAsync(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return await StreamRequests.ReadObjectAsync(stream, CancellationToken.None);
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
