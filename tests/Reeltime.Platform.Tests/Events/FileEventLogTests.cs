using Reeltime.Platform.Events;

namespace Reeltime.Platform.Tests.Events;

public sealed class FileEventLogTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "reeltime-log-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static WatchEvent Event(long n) => new(
        WatchEventType.Progress, UserId: 1000 + n, VideoId: 2000 + n, CreatorId: 3000 + n, SessionId: 4000 + n,
        WatchTimeMs: (int)(n % 90_000), PositionMs: (int)(n % 60_000), ClientTimeMs: 1_700_000_000_000 + n,
        ServerTimeMs: 1_700_000_000_500 + n, Surface: FeedSurface.ForYou);

    private static WatchEvent[] Events(long from, int count) => Enumerable.Range(0, count).Select(i => Event(from + i)).ToArray();

    private static async Task<LoggedEvent[]> ReadAllAsync(FileEventLog log, long from = 0)
    {
        var all = new List<LoggedEvent>();
        var buffer = new LoggedEvent[7]; // deliberately small: reads must page across chunk and segment ends
        int read;
        while ((read = await log.ReadAsync(from + all.Count, buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        return [.. all];
    }

    [Fact]
    public async Task Appended_events_read_back_in_order_with_every_field_and_dense_offsets()
    {
        await using var log = new FileEventLog(_directory);
        Assert.Equal(0, await log.AppendAsync(Events(0, 3)));
        Assert.Equal(3, await log.AppendAsync(Events(3, 5)));
        Assert.Equal(8, log.NextOffset);

        var read = await ReadAllAsync(log);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), read.Select(e => e.Offset));
        Assert.Equal(Events(0, 8), read.Select(e => e.Event));
        Assert.Equal(0, await log.ReadAsync(8, new LoggedEvent[4]));
    }

    [Fact]
    public async Task Concurrent_batches_get_contiguous_offsets_and_none_is_lost()
    {
        await using var log = new FileEventLog(_directory);
        var batches = Enumerable.Range(0, 200).Select(b => Events(b * 1000L, 1 + (b % 9))).ToArray();
        var firsts = await Task.WhenAll(batches.Select(b => Task.Run(async () => await log.AppendAsync(b))));

        var total = batches.Sum(b => b.Length);
        Assert.Equal(total, log.NextOffset);
        var read = await ReadAllAsync(log);
        for (var i = 0; i < batches.Length; i++)
        {
            // Each batch is written whole and in order at the offset its append returned.
            Assert.Equal(batches[i], read.AsSpan((int)firsts[i], batches[i].Length).ToArray().Select(e => e.Event));
        }
    }

    [Fact]
    public async Task Events_survive_reopening_and_appends_continue_after_them()
    {
        await using (var log = new FileEventLog(_directory))
        {
            await log.AppendAsync(Events(0, 10));
        }

        await using (var log = new FileEventLog(_directory))
        {
            Assert.Equal(10, log.NextOffset);
            Assert.Equal(10, await log.AppendAsync(Events(10, 2)));
            Assert.Equal(Events(0, 12), (await ReadAllAsync(log)).Select(e => e.Event));
        }
    }

    [Fact]
    public async Task Segments_roll_over_without_splitting_a_batch_and_read_across_files()
    {
        var options = new FileEventLogOptions { Directory = _directory, SegmentSizeBytes = 10 * WatchEventRecordSize };
        await using (var log = new FileEventLog(options))
        {
            for (var i = 0; i < 12; i++)
            {
                await log.AppendAsync(Events(i * 3, 3));
            }

            await log.AppendAsync(Events(36, 25)); // larger than a segment: gets one of its own
        }

        var segments = Directory.GetFiles(_directory, "*.log").Order(StringComparer.Ordinal).ToArray();
        Assert.True(segments.Length >= 5, $"expected several segments, found {segments.Length}");
        Assert.All(segments, s => Assert.Equal(0, new FileInfo(s).Length % WatchEventRecordSize));

        await using (var log = new FileEventLog(options))
        {
            Assert.Equal(61, log.NextOffset);
            Assert.Equal(Events(0, 61), (await ReadAllAsync(log)).Select(e => e.Event));
            Assert.Equal(Events(40, 21), (await ReadAllAsync(log, 40)).Select(e => e.Event));
        }
    }

    [Fact]
    public async Task A_torn_last_commit_is_truncated_on_open_and_earlier_events_are_kept()
    {
        await using (var log = new FileEventLog(_directory))
        {
            await log.AppendAsync(Events(0, 4));
        }

        var segment = Directory.GetFiles(_directory, "*.log").Single();
        await using (var file = new FileStream(segment, FileMode.Append))
        {
            // A crash mid-write: one record of zeros and half of another.
            file.Write(new byte[WatchEventRecordSize + (WatchEventRecordSize / 2)]);
        }

        await using (var log = new FileEventLog(_directory))
        {
            Assert.Equal(4, log.NextOffset);
            Assert.Equal(4 * WatchEventRecordSize, new FileInfo(segment).Length);
            Assert.Equal(4, await log.AppendAsync(Events(4, 1)));
            Assert.Equal(Events(0, 5), (await ReadAllAsync(log)).Select(e => e.Event));
        }
    }

    [Fact]
    public async Task Damage_to_an_acknowledged_commit_is_reported_not_silently_dropped()
    {
        await using (var log = new FileEventLog(_directory))
        {
            await log.AppendAsync(Events(0, 2));
            await log.AppendAsync(Events(2, 2));
        }

        var segment = Directory.GetFiles(_directory, "*.log").Single();
        await using (var file = new FileStream(segment, FileMode.Open))
        {
            file.Position = 30; // inside the first record
            file.WriteByte(0xFF);
        }

        var error = Assert.Throws<InvalidDataException>(() => new FileEventLog(_directory));
        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
        Assert.Equal(4 * WatchEventRecordSize, new FileInfo(segment).Length); // nothing was truncated
    }

    [Fact]
    public async Task A_failed_flush_rolls_the_batch_back_and_the_log_goes_on()
    {
        await using var log = new FileEventLog(_directory);
        await log.AppendAsync(Events(0, 2));
        log.BeforeFlushForTests = () => throw new IOException("disk full");
        await Assert.ThrowsAsync<IOException>(async () => await log.AppendAsync(Events(100, 3)));
        log.BeforeFlushForTests = null;

        Assert.Equal(2, log.NextOffset);
        Assert.Equal(2, await log.AppendAsync(Events(2, 1)));
        Assert.Equal(Events(0, 3), (await ReadAllAsync(log)).Select(e => e.Event));
    }

    [Fact]
    public async Task A_directory_is_owned_by_one_log_at_a_time()
    {
        await using var log = new FileEventLog(_directory);
        var error = Assert.Throws<IOException>(() => new FileEventLog(_directory));
        Assert.Contains("already open", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_for_an_offset_completes_when_it_becomes_durable()
    {
        await using var log = new FileEventLog(_directory);
        var waiting = log.WaitForOffsetAsync(2).AsTask();
        await log.AppendAsync(Events(0, 2));
        Assert.False(waiting.IsCompleted);
        await log.AppendAsync(Events(2, 1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_cancelled_append_writes_nothing_and_disposal_refuses_later_appends()
    {
        var log = new FileEventLog(_directory);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await log.AppendAsync(Events(0, 1), cancelled.Token));
        Assert.Equal(0, log.NextOffset);

        var queued = log.AppendAsync(Events(0, 5)).AsTask();
        await log.DisposeAsync();
        Assert.Equal(0, await queued); // disposal drains what was already queued
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await log.AppendAsync(Events(5, 1)));
    }

    [Fact]
    public async Task Checkpoints_persist_per_consumer_and_refuse_unsafe_names()
    {
        var checkpoints = new FileEventLogCheckpoints(Path.Combine(_directory, "checkpoints"));
        Assert.Equal(0, await checkpoints.GetAsync("ranker"));
        await checkpoints.SaveAsync("ranker", 42);
        await checkpoints.SaveAsync("trending", 7);
        await checkpoints.SaveAsync("ranker", 43);

        var reopened = new FileEventLogCheckpoints(Path.Combine(_directory, "checkpoints"));
        Assert.Equal(43, await reopened.GetAsync("ranker"));
        Assert.Equal(7, await reopened.GetAsync("trending"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await reopened.SaveAsync("../escape", 1));
    }

    private const int WatchEventRecordSize = 80;
}
