using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation.Hosting;

/// <summary>Where the engine keeps its snapshots.</summary>
/// <param name="Directory">An absolute directory.</param>
public sealed record EngineStorage(string Directory)
{
    /// <summary>The snapshot file.</summary>
    public string SnapshotPath => Path.Combine(Directory, "snapshot.bin");
}

/// <summary>
/// Owns the one engine of the process: creates it from the last snapshot (or empty), keeps its catalogue
/// in step with the platform's, and writes snapshots with a log checkpoint.
/// </summary>
public sealed partial class ForYouEngineHost(
    IOptions<EngineOptions> options,
    EngineStorage storage,
    TimeProvider clock,
    IServiceScopeFactory scopes,
    IEventLogCheckpoints checkpoints,
    ILogger<ForYouEngineHost> logger) : IDisposable
{
    /// <summary>The consumer name of the engine's checkpoint in the event log.</summary>
    public const string Consumer = "for-you-engine";

    private const int CatalogPage = 5_000;
    private const int MaxAwaitingMedia = 10_000;
    private static readonly TimeSpan AwaitingMediaWindow = TimeSpan.FromHours(1);
    private readonly TaskCompletionSource<ForYouEngine> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private long _refreshedAtMs = long.MinValue;
    private long _resyncedAtMs;

    // Videos read while not recommendable (id → upload time), until the platform says their media is no
    // longer being made or they are an hour old: a refresh looks at them again, so an upload joins the feed on
    // the first request after it is ready instead of at the next resync. Guarded by _refreshing; after one
    // round it holds the recent upload queue at most.
    private readonly Dictionary<long, long> _awaitingMedia = [];

    /// <summary>The engine, once it is loaded.</summary>
    public Task<ForYouEngine> EngineAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>The engine if it is loaded, else null.</summary>
    public ForYouEngine? Current { get; private set; }

    /// <summary>Loads the last snapshot (or starts empty) and brings the catalogue up to date.</summary>
    public async Task<ForYouEngine> StartAsync(CancellationToken cancellationToken)
    {
        if (_ready.Task.IsCompleted)
        {
            return await _ready.Task;
        }

        ForYouEngine engine;
        try
        {
            engine = ForYouEngine.LoadSnapshot(storage.SnapshotPath, options.Value, clock) ?? new ForYouEngine(options.Value, clock);
        }
        catch (InvalidDataException e)
        {
            // A snapshot from another version or a damaged one: learning is rebuilt from the log instead.
            LogSnapshotUnreadable(e.Message);
            engine = new ForYouEngine(options.Value, clock);
        }

        var checkpoint = await checkpoints.GetAsync(Consumer, cancellationToken);
        LogLoaded(engine.AppliedOffset, checkpoint);
        await SyncCatalogAsync(engine, full: true, cancellationToken);
        _resyncedAtMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        Current = engine;
        _ready.TrySetResult(engine);
        return engine;
    }

    /// <summary>Looks for new uploads if the last look is older than the configured interval.</summary>
    public async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        var engine = await EngineAsync(cancellationToken);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (now - Interlocked.Read(ref _refreshedAtMs) >= options.Value.CatalogRefreshInterval.TotalMilliseconds)
        {
            await SyncCatalogAsync(engine, full: false, cancellationToken);
        }
    }

    /// <summary>Looks for new uploads now (events named a video the engine does not know).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken) => await SyncCatalogAsync(await EngineAsync(cancellationToken), full: false, cancellationToken);

    /// <summary>Re-reads the whole catalogue when the resync interval has passed (deletions, removals, visibility).</summary>
    public async Task ResyncIfDueAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (now - _resyncedAtMs >= options.Value.CatalogResyncInterval.TotalMilliseconds)
        {
            _resyncedAtMs = now;
            await SyncCatalogAsync(await EngineAsync(cancellationToken), full: true, cancellationToken);
        }
    }

    /// <summary>Writes a snapshot, then records its offset as the engine's checkpoint in the log.</summary>
    public async Task SnapshotAsync(CancellationToken cancellationToken)
    {
        var engine = await EngineAsync(cancellationToken);
        var offset = engine.AppliedOffset;
        await Task.Run(() => engine.SaveSnapshot(storage.SnapshotPath), cancellationToken);
        await checkpoints.SaveAsync(Consumer, offset, cancellationToken);
        LogSnapshot(offset);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _refreshing.Dispose();
        Current?.Dispose();
    }

    private async Task SyncCatalogAsync(ForYouEngine engine, bool full, CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            // Another caller refreshed while this one waited: nothing new to look for.
            if (!full && Interlocked.Read(ref _refreshedAtMs) >= startedAt)
            {
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var feed = scope.ServiceProvider.GetRequiredService<IVideoCatalogFeed>();
            if (full)
            {
                await ResyncStatesAsync(engine, feed, cancellationToken);
            }

            if (_awaitingMedia.Count > 0)
            {
                await SettleAwaitingMediaAsync(engine, feed, cancellationToken);
            }

            // Then whatever was uploaded since (or during) the resync.
            var after = engine.MaxVideoId;
            while (true)
            {
                var page = await feed.ReadAsync(after, CatalogPage, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                engine.UpsertVideos(page);
                TrackAwaitingMedia(page);

                after = page[^1].VideoId;
                if (page.Count < CatalogPage)
                {
                    break;
                }
            }

            Interlocked.Exchange(ref _refreshedAtMs, clock.GetUtcNow().ToUnixTimeMilliseconds());
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private void TrackAwaitingMedia(IReadOnlyList<CatalogVideo> page)
    {
        var recentSinceMs = clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)AwaitingMediaWindow.TotalMilliseconds;
        foreach (var video in page)
        {
            // Perhaps only not ready yet; the next refresh asks, and keeps it only while it is. Only recent
            // uploads, and not past a bound: an older one, or a flood, waits for the periodic resync.
            if (!video.Recommendable && video.CreatedAtMs >= recentSinceMs && _awaitingMedia.Count < MaxAwaitingMedia)
            {
                _awaitingMedia[video.VideoId] = video.CreatedAtMs;
            }
        }
    }

    private async Task SettleAwaitingMediaAsync(ForYouEngine engine, IVideoCatalogFeed feed, CancellationToken cancellationToken)
    {
        var progress = await feed.ReadProgressAsync(_awaitingMedia.Keys, cancellationToken);
        var recentSinceMs = clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)AwaitingMediaWindow.TotalMilliseconds;
        var settled = new List<CatalogVideoState>(progress.Count);
        var stillAwaiting = new Dictionary<long, long>();
        foreach (var video in progress)
        {
            if (!video.AwaitingMedia)
            {
                settled.Add(video.State);
            }
            else if (_awaitingMedia[video.State.VideoId] is var uploadedAtMs && uploadedAtMs >= recentSinceMs)
            {
                stillAwaiting[video.State.VideoId] = uploadedAtMs;
            }
        }

        if (settled.Count > 0)
        {
            engine.UpdateVideoStates(settled);
        }

        // Settled, gone from the platform, or stuck for an hour (the periodic resync sees to those): the rest
        // stays on watch.
        _awaitingMedia.Clear();
        foreach (var (id, uploadedAtMs) in stillAwaiting)
        {
            _awaitingMedia[id] = uploadedAtMs;
        }
    }

    // A resync reads only each video's state (a page of ids, lengths and flags), so it stays cheap beside
    // the feeds that share the database; a page naming videos the engine has not seen (an insert that
    // committed after a higher id was loaded) is loaded in full.
    private async Task ResyncStatesAsync(ForYouEngine engine, IVideoCatalogFeed feed, CancellationToken cancellationToken)
    {
        var after = 0L;
        while (true)
        {
            var page = await feed.ReadStatesAsync(after, CatalogPage, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            if (engine.UpdateVideoStates(page).Count > 0)
            {
                // Also how the first load after a start reads the catalogue, uploads still being made included.
                var videos = await feed.ReadAsync(after, page.Count, cancellationToken);
                engine.UpsertVideos(videos);
                TrackAwaitingMedia(videos);
            }

            after = page[^1].VideoId;
            if (page.Count < CatalogPage)
            {
                break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The engine's snapshot cannot be read ({Reason}); rebuilding from the event log.")]
    private partial void LogSnapshotUnreadable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "For You engine loaded at log offset {Offset} (checkpoint {Checkpoint}).")]
    private partial void LogLoaded(long offset, long checkpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "For You engine snapshot written at log offset {Offset}.")]
    private partial void LogSnapshot(long offset);
}

/// <summary>
/// Feeds the engine from the event log: loads it, replays from its snapshot's offset, then applies new
/// events as they become durable, snapshotting periodically and on shutdown. A failure in one round is
/// logged and retried; it never stops the server.
/// </summary>
public sealed partial class ForYouEngineService(
    ForYouEngineHost host,
    IEventLog log,
    IOptions<EngineOptions> options,
    TimeProvider clock,
    ILogger<ForYouEngineService> logger) : BackgroundService
{
    private const int BatchSize = 4_096;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ForYouEngine engine;
        try
        {
            engine = await host.StartAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var buffer = new LoggedEvent[BatchSize];
        var snapshotOffset = engine.AppliedOffset;
        var snapshotAt = clock.GetUtcNow();
        var unknownRefreshAt = DateTimeOffset.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var offset = engine.AppliedOffset;
                    var read = await log.ReadAsync(offset, buffer, stoppingToken);
                    if (read == 0)
                    {
                        await host.ResyncIfDueAsync(stoppingToken);
                        await WaitForEventsAsync(offset, stoppingToken);
                        continue;
                    }

                    var batch = buffer.AsMemory(0, read);
                    if (!engine.KnowsVideosOf(batch.Span) && clock.GetUtcNow() - unknownRefreshAt > TimeSpan.FromSeconds(1))
                    {
                        // Events about a video uploaded after the last catalogue read: read it first.
                        unknownRefreshAt = clock.GetUtcNow();
                        await host.RefreshAsync(stoppingToken);
                    }

                    engine.Apply(batch.Span);
                    var options1 = options.Value;
                    if (engine.AppliedOffset - snapshotOffset >= options1.SnapshotEveryEvents || clock.GetUtcNow() - snapshotAt >= options1.SnapshotInterval)
                    {
                        await host.SnapshotAsync(stoppingToken);
                        snapshotOffset = engine.AppliedOffset;
                        snapshotAt = clock.GetUtcNow();
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    LogRoundFailed(e);
                    await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        }
        finally
        {
            if (options.Value.SnapshotOnShutdown && engine.AppliedOffset != snapshotOffset)
            {
                try
                {
                    await host.SnapshotAsync(CancellationToken.None);
                }
                catch (IOException e)
                {
                    LogRoundFailed(e);
                }
            }
        }
    }

    private async Task WaitForEventsAsync(long offset, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await log.WaitForOffsetAsync(offset, timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Woke up to look at the catalogue resync; no events meanwhile.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The For You engine failed to apply events; retrying.")]
    private partial void LogRoundFailed(Exception exception);
}
