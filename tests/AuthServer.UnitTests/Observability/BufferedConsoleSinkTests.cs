using System.Text;
using AuthServer.Observability;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace AuthServer.UnitTests.Observability;

public sealed class BufferedConsoleSinkTests
{
    private static readonly MessageTemplateTextFormatter Lines = new("{Message}{NewLine}", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Disposing_writes_every_queued_event_in_order()
    {
        var output = new GatedWriter(open: true);
        var sink = new BufferedConsoleSink(Lines, output, queueLimit: 10_000);

        for (var i = 0; i < 5_000; i++)
        {
            sink.Emit(Event($"line {i}"));
        }

        sink.Dispose();

        var lines = output.Text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => $"line {i}"), lines);
    }

    [Fact]
    public void A_burst_is_written_in_a_few_writes_not_one_per_line()
    {
        var output = new GatedWriter(open: false);
        var sink = new BufferedConsoleSink(Lines, output, queueLimit: 10_000);

        sink.Emit(Event("first"));
        Assert.True(output.Entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "The writer never wrote the first event.");
        for (var i = 0; i < 1_000; i++)
        {
            sink.Emit(Event($"burst {i}"));
        }

        output.Open();
        sink.Dispose();

        Assert.Equal(1_001, output.Text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(output.Writes <= 3, $"{output.Writes} writes for one event and a burst of 1,000 queued behind it.");
    }

    [Fact]
    public void A_full_queue_drops_and_counts_instead_of_blocking_the_caller()
    {
        var output = new GatedWriter(open: false);
        var sink = new BufferedConsoleSink(Lines, output, queueLimit: 10);
        var droppedBefore = BufferedConsoleSink.Dropped;

        sink.Emit(Event("in the writer's hands"));
        Assert.True(output.Entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "The writer never wrote the first event.");
        for (var i = 0; i < 100; i++)
        {
            sink.Emit(Event($"queued {i}"));
        }

        // The writer is still blocked: every Emit above returned without waiting for it.
        Assert.Equal(90, BufferedConsoleSink.Dropped - droppedBefore);
        output.Open();
        sink.Dispose();

        var lines = output.Text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["in the writer's hands", .. Enumerable.Range(0, 10).Select(i => $"queued {i}")], lines);
    }

    private static LogEvent Event(string text) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, new MessageTemplateParser().Parse(text.Replace("{", "{{", StringComparison.Ordinal)), []);

    /// <summary>An output whose writes wait until it is opened, so a test can hold the sink's writer mid-batch.</summary>
    private sealed class GatedWriter(bool open) : TextWriter
    {
        private readonly ManualResetEventSlim _gate = new(open);
        private readonly StringBuilder _text = new();
        private int _writes;

        public ManualResetEventSlim Entered { get; } = new();

        public override Encoding Encoding => Encoding.UTF8;

        public int Writes => Volatile.Read(ref _writes);

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public void Open() => _gate.Set();

        public override void Write(StringBuilder? value)
        {
            Interlocked.Increment(ref _writes);
            Entered.Set();
            _gate.Wait(TimeSpan.FromSeconds(30));
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(char value) => Write(new StringBuilder().Append(value));
    }
}
