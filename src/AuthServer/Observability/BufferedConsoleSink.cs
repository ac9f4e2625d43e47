using System.Text;
using System.Threading.Channels;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace AuthServer.Observability;

/// <summary>
/// The console as a busy token endpoint can afford it. A request only queues its events; one writer formats them and
/// writes each batch with one call, so a burst costs one write to the terminal or pipe instead of one per line, and no
/// request waits on the console's lock. The queue is bounded: an event that finds it full is dropped and counted
/// (<see cref="Dropped"/>, the `authserver.log.dropped` metric) rather than growing memory or blocking requests, which
/// only happens when the output cannot keep up at all. Disposing (a normal shutdown) writes everything queued first.
/// </summary>
public sealed class BufferedConsoleSink : ILogEventSink, IDisposable
{
    private static long s_dropped;

    private readonly Channel<LogEvent> _queue;
    private readonly ITextFormatter _formatter;
    private readonly TextWriter _output;
    private readonly Task _writer;

    public BufferedConsoleSink(ITextFormatter formatter, TextWriter output, int queueLimit)
    {
        _formatter = formatter;
        _output = output;
        _queue = Channel.CreateBounded<LogEvent>(
            new BoundedChannelOptions(queueLimit) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => Interlocked.Increment(ref s_dropped));
        _writer = Task.Run(WriteBatchesAsync);
    }

    /// <summary>Events dropped because the queue was full, in this process since it started.</summary>
    public static long Dropped => Interlocked.Read(ref s_dropped);

    public void Emit(LogEvent logEvent) => _queue.Writer.TryWrite(logEvent);

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _writer.Wait(TimeSpan.FromSeconds(10));
    }

    private async Task WriteBatchesAsync()
    {
        var batch = new StringWriter(new StringBuilder(16 * 1024), System.Globalization.CultureInfo.InvariantCulture);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Everything queued so far, up to about 64 KB, becomes one write.
            while (batch.GetStringBuilder().Length < 64 * 1024 && reader.TryRead(out var logEvent))
            {
                try
                {
                    _formatter.Format(logEvent, batch);
                }
                catch (Exception ex)
                {
                    SelfLog.WriteLine("An event could not be formatted for the console: {0}", ex);
                }
            }

            try
            {
                _output.Write(batch.GetStringBuilder());
                _output.Flush();
            }
            catch (IOException ex)
            {
                SelfLog.WriteLine("The console could not be written: {0}", ex);
            }

            batch.GetStringBuilder().Clear();
        }
    }
}

public static class BufferedConsoleSinkConfiguration
{
    /// <summary>The console through <see cref="BufferedConsoleSink"/>, in the Serilog section as `"Name": "BufferedConsole"`.</summary>
    public static LoggerConfiguration BufferedConsole(
        this LoggerSinkConfiguration sinks,
        string outputTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}",
        LogEventLevel restrictedToMinimumLevel = LevelAlias.Minimum,
        int queueLimit = 100_000)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        var formatter = new MessageTemplateTextFormatter(outputTemplate, System.Globalization.CultureInfo.InvariantCulture);
        return sinks.Sink(new BufferedConsoleSink(formatter, Console.Out, queueLimit), restrictedToMinimumLevel);
    }
}
