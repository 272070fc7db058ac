using BenchmarkDotNet.Attributes;
using Reeltime.Platform.Events;

namespace Reeltime.Benchmarks;

/// <summary>
/// The embedded event log without HTTP: how long a round of concurrent 100-event appends takes to become
/// durable. With group commit, more concurrent appenders share each fsync.
/// </summary>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet owns the lifetime: GlobalCleanup disposes the log.
public class EventLogBenchmarks
#pragma warning restore CA1001
{
    private const int BatchSize = 100;
    private string _directory = "";
    private FileEventLog _log = null!;
    private WatchEvent[] _batch = [];

    /// <summary>Appenders waiting at the same time.</summary>
    [Params(1, 16)]
    public int Appenders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "reeltime-bench-log-" + Guid.NewGuid().ToString("N"));
        _log = new FileEventLog(_directory);
        _batch = Enumerable.Range(0, BatchSize)
            .Select(i => new WatchEvent(WatchEventType.Progress, 7, 1000 + i, 9, 42, 1500, 700, 1_700_000_000_000, 1_700_000_000_100, FeedSurface.ForYou))
            .ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Appenders × 100 events, all durable when it returns.</summary>
    [Benchmark]
    public async Task AppendRound()
    {
        var appends = new Task<long>[Appenders];
        for (var i = 0; i < appends.Length; i++)
        {
            appends[i] = _log.AppendAsync(_batch).AsTask();
        }

        await Task.WhenAll(appends);
    }
}
