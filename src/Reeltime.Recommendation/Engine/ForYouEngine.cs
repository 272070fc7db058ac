using System.Diagnostics;
using System.Numerics.Tensors;
using Reeltime.Platform.Events;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// The For You engine: learns online from the event log and ranks a viewer's next videos.
/// One writer applies events (<see cref="Apply"/>) and catalogue changes; any number of readers rank
/// (<see cref="Recommend"/>) concurrently. All learned state is applied in log order with event times, so
/// replaying the log from a snapshot's offset rebuilds exactly what a crash lost.
/// </summary>
public sealed partial class ForYouEngine : IDisposable
{
    private const int F = RankerFeatures.Count;
    private const int Anchors = 10;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly TimeProvider _clock;
    private readonly int _dim;
    private readonly double _interestHalfLifeMs;
    private readonly double _sessionHalfLifeMs;
    private readonly double _trendHalfLifeMs;
    private readonly long _seenWindowMs;
    private readonly long _servedHoldMs;
    private readonly long _outcomeWindowMs;

    private readonly VideoCatalog _catalog = new();
    private readonly EmbeddingTable _users;
    private readonly EmbeddingTable _videos;
    private readonly EmbeddingTable _creators;
    private readonly EmbeddingTable _hashtags;
    private readonly HnswIndex _index;
    private readonly VideoStats _stats = new();
    private readonly CoWatchGraph _coWatch;
    private readonly Ranker _ranker;
    private readonly ImpressionJoin _impressions;
    private readonly Dictionary<long, UserProfile> _profiles = [];
    private UserProfile?[] _hintProfiles = [];
    private int[] _hintVideos = [];

    // Videos whose vectors moved since they were last put in the index; refreshed a bounded number per batch.
    private readonly Queue<int> _dirty = new();
    private bool[] _isDirty = new bool[1024];

    private volatile Board _board = Board.Empty;
    private long _eventsSinceBoard;
    private long _boardBuiltAtMs;
    private long _boardRebuilds;
    private long _boardRebuildTicks;
    private long _boardIntervalMs = 500;
    private long _lastEventMs;
    private long _appliedOffset;

    // The nearline model: replaced whole when a fit lands; read by serving only (see NearlineModel).
    private volatile NearlineModel _nearline = NearlineModel.Empty;
    private double _nextNearlineFitAt;
    private int _nearlineFitting;
    private long _nearlineFittedAt;
    private long _nearlineFailures;
    private double[]? _nearlineScratch;
    private long _nearlineFits;
    private TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates an empty engine.</summary>
    public ForYouEngine(EngineOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        Options = options;
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _dim = options.Dimensions;
        _interestHalfLifeMs = options.InterestHalfLife.TotalMilliseconds;
        _sessionHalfLifeMs = options.SessionHalfLife.TotalMilliseconds;
        _trendHalfLifeMs = options.TrendingHalfLife.TotalMilliseconds;
        _seenWindowMs = (long)options.SeenWindow.TotalMilliseconds;
        _servedHoldMs = (long)options.ServedHold.TotalMilliseconds;
        _outcomeWindowMs = (long)options.OutcomeWindow.TotalMilliseconds;
        _users = new EmbeddingTable(_dim, options.AdmitAfterSightings);
        _videos = new EmbeddingTable(_dim, options.AdmitAfterSightings);
        _creators = new EmbeddingTable(_dim, options.AdmitAfterSightings);
        _hashtags = new EmbeddingTable(_dim, 1);
        _index = new HnswIndex(_dim, options.IndexDegree, options.IndexBuildBreadth, options.Seed);
        _coWatch = new CoWatchGraph(options.CoWatchHalfLife.TotalMilliseconds);
        _ranker = new Ranker(options.RankerLearningRate, options.Seed);
        _impressions = new ImpressionJoin(F);
        _nextNearlineFitAt = options.Nearline.FirstFitAfterLongWatches;
    }

    /// <summary>The settings in force.</summary>
    public EngineOptions Options { get; }

    /// <summary>The next log offset the engine will apply: every event before it has been applied exactly once.</summary>
    public long AppliedOffset => Interlocked.Read(ref _appliedOffset);

    /// <summary>True if the catalogue holds the video.</summary>
    public bool KnowsVideo(long videoId)
    {
        _lock.EnterReadLock();
        try
        {
            return _catalog.TryGetIndex(videoId, out _);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>False if an event of the batch names a video the catalogue does not know yet.</summary>
    public bool KnowsVideosOf(ReadOnlySpan<LoggedEvent> events)
    {
        _lock.EnterReadLock();
        try
        {
            foreach (ref readonly var logged in events)
            {
                if (logged.Event.VideoId != 0 && !_catalog.TryGetIndex(logged.Event.VideoId, out _))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The highest video id in the catalogue (0 when empty), for incremental loading.</summary>
    public long MaxVideoId
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _catalog.MaxVideoId;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Adds videos to the catalogue or updates them (recommendable, duration) and indexes new ones.</summary>
    public void UpsertVideos(IEnumerable<CatalogVideo> videos)
    {
        ArgumentNullException.ThrowIfNull(videos);
        _lock.EnterWriteLock();
        try
        {
            foreach (var video in videos)
            {
                var known = _catalog.TryGetIndex(video.VideoId, out _);
                var index = _catalog.Upsert(video);
                GrowPerVideo();
                if (!known)
                {
                    IndexVideo(index);
                }
            }

            RebuildBoard(_lastEventMs);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Applies the current state of videos the catalogue knows (a periodic resync's findings) and returns
    /// the ids it does not know, for the caller to load in full. The trending board is rebuilt only when
    /// something changed, so a resync that finds nothing new costs one pass over its page.
    /// </summary>
    public IReadOnlyList<long> UpdateVideoStates(IReadOnlyList<CatalogVideoState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        List<long>? unknown = null;
        var changed = false;
        _lock.EnterWriteLock();
        try
        {
            foreach (var state in states)
            {
                if (_catalog.TryGetIndex(state.VideoId, out var index))
                {
                    changed |= _catalog.Update(index, state);
                }
                else
                {
                    (unknown ??= []).Add(state.VideoId);
                }
            }

            if (changed)
            {
                RebuildBoard(_lastEventMs);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        return unknown ?? (IReadOnlyList<long>)[];
    }

    /// <summary>
    /// Applies events in log order. Events before <see cref="AppliedOffset"/> were applied already and are
    /// skipped, so redelivery (at-least-once) changes nothing. Offsets must not leave gaps.
    /// </summary>
    public void Apply(ReadOnlySpan<LoggedEvent> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        bool boardDue, nearlineDue;
        _lock.EnterWriteLock();
        try
        {
            var started = Stopwatch.GetTimestamp();
            var lookAhead = LooksAhead;
            if (lookAhead)
            {
                ResolveHints(events);
            }

            for (var i = 0; i < events.Length; i++)
            {
                ref readonly var logged = ref events[i];
                if (logged.Offset < _appliedOffset)
                {
                    continue;
                }

                if (lookAhead)
                {
                    PrefetchAhead(events, i);
                }

                ApplyOne(logged.Offset, logged.Event);
                ExpireIfDue(logged.Offset);
                Interlocked.Exchange(ref _appliedOffset, logged.Offset + 1);
            }

            if (lookAhead)
            {
                Array.Clear(_hintProfiles, 0, events.Length);
            }

            boardDue = FinishBatch(events.Length, Stopwatch.GetElapsedTime(started));
            nearlineDue = NearlineDue();
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        if (boardDue)
        {
            // The board only reads learned state, so it is rebuilt under the read lock: feed requests go on
            // while it scans the catalogue, and no writer can change what it reads until it is done.
            _lock.EnterReadLock();
            try
            {
                var started = Stopwatch.GetTimestamp();
                RebuildBoard(_lastEventMs);
                var took = Stopwatch.GetElapsedTime(started);
                _boardBuiltAtMs = _clock.GetUtcNow().ToUnixTimeMilliseconds();
                _boardIntervalMs = Math.Max(500, (long)(20 * took.TotalMilliseconds));
                Interlocked.Increment(ref _boardRebuilds);
                Interlocked.Add(ref _boardRebuildTicks, took.Ticks);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }

        if (nearlineDue)
        {
            RefitNearline(background: !Options.ReproducibleIndexRefresh);
        }

        Interlocked.Exchange(ref _applied, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Completes when the engine has applied every event before <paramref name="offset"/>, or after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForAppliedAsync(long offset, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        while (AppliedOffset < offset)
        {
            var signal = Volatile.Read(ref _applied).Task;
            if (AppliedOffset >= offset)
            {
                break;
            }

            try
            {
                await signal.WaitAsync(timer.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Records that these videos were served to the viewer now, so the next page does not repeat them.</summary>
    public void MarkServed(long viewerId, ReadOnlySpan<long> videoIds)
    {
        if (viewerId == 0 || videoIds.IsEmpty)
        {
            return;
        }

        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        _lock.EnterWriteLock();
        try
        {
            var profile = Profile(viewerId);
            foreach (var id in videoIds)
            {
                if (_catalog.TryGetIndex(id, out var video))
                {
                    profile.MarkServed(video, now, _seenWindowMs, _servedHoldMs, Options.MaxSeenPerUser);
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>What the engine believes about the viewer: top hashtags and creators, and what they said no to.</summary>
    public ViewerInterests Interests(long viewerId, int top = 20)
    {
        var now = Math.Max(_lastEventMs, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        _lock.EnterReadLock();
        try
        {
            if (!_profiles.TryGetValue(viewerId, out var profile))
            {
                return new ViewerInterests([], [], [], [], 0);
            }

            return new ViewerInterests(
                TopInterests(profile.Hashtags, top, now, h => (_catalog.HashtagId(h), _catalog.HashtagName(h))),
                TopInterests(profile.Creators, top, now, c => (_catalog.CreatorId(c), _catalog.CreatorName(c))),
                [.. profile.HiddenHashtags.Select(h => new InterestView(_catalog.HashtagId(h), _catalog.HashtagName(h), -1))],
                [.. profile.HiddenCreators.Select(c => new InterestView(_catalog.CreatorId(c), _catalog.CreatorName(c), -1))],
                profile.RecentCount);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Finds a hashtag's id by name, or a creator's id by username, among what the catalogue knows.</summary>
    public long? FindSubject(string name, bool creator)
    {
        ArgumentNullException.ThrowIfNull(name);
        _lock.EnterReadLock();
        try
        {
            if (creator)
            {
                return _catalog.TryGetCreatorByName(name, out var c) ? _catalog.CreatorId(c) : null;
            }

            return _catalog.TryGetHashtagByName(name.TrimStart('#').ToLowerInvariant(), out var h) ? _catalog.HashtagId(h) : null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The creator and hashtag ids of a video the catalogue knows.</summary>
    public bool TryDescribe(long videoId, out long creatorId, out IReadOnlyList<CatalogHashtag> hashtags)
    {
        _lock.EnterReadLock();
        try
        {
            if (!_catalog.TryGetIndex(videoId, out var video))
            {
                creatorId = 0;
                hashtags = [];
                return false;
            }

            creatorId = _catalog.CreatorId(_catalog.CreatorOf(video));
            var tags = _catalog.HashtagsOf(video);
            var list = new CatalogHashtag[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                list[i] = new CatalogHashtag(_catalog.HashtagId(tags[i]), _catalog.HashtagName(tags[i]));
            }

            hashtags = list;
            return true;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The stage of a video's first audience (0.., or <see cref="VideoStats.Stopped"/>), -1 if unknown.</summary>
    internal int StageOf(long videoId)
    {
        _lock.EnterReadLock();
        try
        {
            return _catalog.TryGetIndex(videoId, out var video) ? _stats[video].Stage : -1;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>How often the trending and fresh board has been rebuilt since the engine started, and the time it took in all.</summary>
    internal (long Count, TimeSpan Time) BoardRebuilds => (Interlocked.Read(ref _boardRebuilds), TimeSpan.FromTicks(Interlocked.Read(ref _boardRebuildTicks)));

    /// <summary>Sizes of the state.</summary>
    public EngineStatistics Statistics()
    {
        _lock.EnterReadLock();
        try
        {
            return new EngineStatistics(_appliedOffset, _catalog.Count, _profiles.Count, _users.Count, _videos.Count, _index.Count, _ranker.Trained, _impressions.Count, _board.Fresh.Length);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    /// <summary>
    /// Whether <see cref="Apply"/> prefetches the next events' memory, and a feed request its candidates' and
    /// the index's next vectors (on; off only to measure what it gains).
    /// </summary>
    internal bool LooksAhead
    {
        get => _looksAhead;
        set
        {
            _looksAhead = value;
            _index.Prefetches = value;
        }
    }

    private bool _looksAhead = true;

    // The batch's viewers and videos, looked up before it is applied: independent look-ups overlap their
    // cache misses, where the same look-ups made one event at a time would wait for each in turn. Only hints
    // for prefetching; the events are applied with their own look-ups.
    private void ResolveHints(ReadOnlySpan<LoggedEvent> events)
    {
        if (_hintVideos.Length < events.Length)
        {
            _hintVideos = new int[events.Length];
            _hintProfiles = new UserProfile?[events.Length];
        }

        for (var i = 0; i < events.Length; i++)
        {
            var e = events[i].Event;
            _hintProfiles[i] = e.UserId != 0 && _profiles.TryGetValue(e.UserId, out var profile) ? profile : null;
            _hintVideos[i] = e.VideoId != 0 && _catalog.TryGetIndex(e.VideoId, out var video) ? video : -1;
        }
    }

    // Three stages an event apart, each reading only what the stage before brought into cache: event i + 3
    // gets stage 1, i + 2 stage 2, i + 1 stage 3.
    private void PrefetchAhead(ReadOnlySpan<LoggedEvent> events, int i)
    {
        for (var stage = 1; stage <= 3; stage++)
        {
            var j = i + 4 - stage;
            if (j < events.Length)
            {
                PrefetchStage(stage, events[j], _hintProfiles[j], _hintVideos[j]);
            }
        }
    }

    // 1: the profile object, the video's catalogue fields and counters, the viewer's and video's table slots,
    // the negatives' catalogue fields; 2: the profile's parts, the video's hashtags, their relevances and rows,
    // the creator's and the negatives' slots; 3: the profile's map entries, the creator's video list, the
    // creator's and the negatives' rows. The video's co-watch list goes slot, list, entries over the three.
    private void PrefetchStage(int stage, in LoggedEvent logged, UserProfile? profile, int video)
    {
        switch (stage)
        {
            case 1: CacheHint.Object(profile); break;
            case 2: profile?.PrefetchParts(); break;
            default: profile?.PrefetchMaps(); break;
        }

        if (video < 0)
        {
            return;
        }

        var e = logged.Event;
        switch (stage)
        {
            case 1:
                _catalog.PrefetchVideo(video);
                _stats.Prefetch(video);
                _users.PrefetchSlot(e.UserId);
                _videos.PrefetchSlot(e.VideoId);
                break;
            case 2:
                _catalog.PrefetchTags(video);
                _creators.PrefetchSlot(CreatorKeyOf(video));
                _users.PrefetchRow(e.UserId);
                _videos.PrefetchRow(e.VideoId);
                break;
            default:
                _catalog.PrefetchCreatorVideos(video);
                _creators.PrefetchRow(CreatorKeyOf(video));
                break;
        }

        // The co-watch list: read for an impression's feature, added to for a loved video.
        _coWatch.Prefetch(stage, video);

        if (!MayLearnPositive(e.Type))
        {
            return;
        }

        for (var k = 0; k < Options.NegativesPerPositive; k++)
        {
            var negative = NegativeOf(logged.Offset, k);
            switch (stage)
            {
                case 1:
                    _catalog.PrefetchVideo(negative);
                    break;
                case 2:
                    _videos.PrefetchSlot(_catalog.VideoId(negative));
                    _creators.PrefetchSlot(CreatorKeyOf(negative));
                    break;
                default:
                    _videos.PrefetchRow(_catalog.VideoId(negative));
                    _creators.PrefetchRow(CreatorKeyOf(negative));
                    break;
            }
        }
    }

    private long CreatorKeyOf(int video) => _catalog.CreatorId(_catalog.CreatorOf(video));

    private static bool MayLearnPositive(WatchEventType type) =>
        type is WatchEventType.Progress or WatchEventType.Complete or WatchEventType.Replay or WatchEventType.Like
            or WatchEventType.Share or WatchEventType.Comment or WatchEventType.Bookmark;

    private UserProfile Profile(long userId)
    {
        if (!_profiles.TryGetValue(userId, out var profile))
        {
            profile = new UserProfile(userId, _dim);
            _profiles.Add(userId, profile);
        }

        return profile;
    }

    private void GrowPerVideo()
    {
        _stats.EnsureCapacity(_catalog.Count, _catalog.CreatorCount);
        _coWatch.EnsureCapacity(_catalog.Count);
        if (_isDirty.Length < _catalog.Count)
        {
            Array.Resize(ref _isDirty, Math.Max(_catalog.Count, _isDirty.Length * 2));
        }
    }

    private List<InterestView> TopInterests(CompactMap<Interest> interests, int top, long now, Func<int, (long Id, string Name)> describe)
    {
        List<InterestView> list = [];
        foreach (var (key, interest) in interests)
        {
            var weight = interest.At(now, _interestHalfLifeMs);
            if (weight > 0.05f)
            {
                var (id, name) = describe(key);
                list.Add(new InterestView(id, name, MathF.Round(weight, 3)));
            }
        }

        list.Sort(static (a, b) => b.Weight.CompareTo(a.Weight));
        return list.Count > top ? list[..top] : list;
    }

    /// <summary>The video's vector: its own, plus its creator's, plus the mean of its hashtags'.</summary>
    private void ItemVector(int video, Span<float> destination)
    {
        destination.Clear();
        var any = false;
        var row = _videos.Find(_catalog.VideoId(video));
        if (row >= 0)
        {
            TensorPrimitives.Add(destination, _videos.Row(row), destination);
            any = true;
        }

        row = _creators.Find(_catalog.CreatorId(_catalog.CreatorOf(video)));
        if (row >= 0)
        {
            TensorPrimitives.Add(destination, _creators.Row(row), destination);
            any = true;
        }

        var tags = _catalog.HashtagsOf(video);
        foreach (var tag in tags)
        {
            row = _hashtags.Find(_catalog.HashtagId(tag));
            if (row >= 0)
            {
                TensorPrimitives.MultiplyAdd(_hashtags.Row(row), 1f / tags.Length, destination, destination);
                any = true;
            }
        }

        if (!any)
        {
            // Nothing learned yet: a fixed pseudo-random direction, so the video is still findable.
            var state = (ulong)_catalog.VideoId(video) * 0x9E3779B97F4A7C15UL;
            for (var i = 0; i < destination.Length; i++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                destination[i] = ((state >> 40) / (float)(1 << 24)) - 0.5f;
            }
        }
    }

    /// <summary>The viewer's query vector: long-term (their own row) plus short-term (recent taste); false if empty.</summary>
    private bool QueryVector(UserProfile profile, Span<float> destination)
    {
        profile.ShortTerm.CopyTo(destination);
        var row = _users.Find(profile.UserId);
        if (row >= 0)
        {
            TensorPrimitives.Add(destination, _users.Row(row), destination);
        }

        return profile.Watches > 0 && TensorPrimitives.Norm(destination) > 1e-6f;
    }

    private void IndexVideo(int video)
    {
        Span<float> vector = stackalloc float[_dim];
        ItemVector(video, vector);
        _index.Upsert(video, vector);
    }

    private void MarkDirty(int video)
    {
        if (!_isDirty[video])
        {
            _isDirty[video] = true;
            _dirty.Enqueue(video);
        }
    }

    /// <returns>Whether the board is due for a rebuild.</returns>
    private bool FinishBatch(int events, TimeSpan applying)
    {
        // Moved vectors are re-inserted into the index in the time left over, not one per few events: a
        // re-insert into a million-node graph costs a few hundred microseconds, so a count budget would let
        // the index refresh, not learning, set the ingestion rate. The refresh gets a tenth of the batch's
        // own time (at least a millisecond), and the queue drains when events are few; retrieval scores its
        // candidates with the current vectors anyway, so a lagging index position costs little.
        Span<float> vector = stackalloc float[_dim];
        var deadline = Stopwatch.GetTimestamp() + (long)(Math.Max(1, applying.TotalMilliseconds / 10) * Stopwatch.Frequency / 1000);
        var refreshed = 0;
        var drain = Options.ReproducibleIndexRefresh;
        while ((drain || refreshed < 8 || Stopwatch.GetTimestamp() < deadline) && _dirty.TryDequeue(out var video))
        {
            refreshed++;
            _isDirty[video] = false;
            ItemVector(video, vector);
            var norm = TensorPrimitives.Norm(vector);
            if (!_index.Contains(video) || TensorPrimitives.Dot(_index.Vector(video), vector) / norm < 0.995f)
            {
                _index.Upsert(video, vector);
            }
        }

        // The board is a scan of the whole catalogue (a few hundred milliseconds at a million videos): it is
        // rebuilt at most every half second and never takes more than a twentieth of the writer's time, so
        // trending lists lag by seconds under heavy load while learning keeps its pace.
        _eventsSinceBoard += events;
        var wall = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        return (_eventsSinceBoard > 0 && wall - _boardBuiltAtMs >= _boardIntervalMs) || (_catalog.Count < 200_000 && _eventsSinceBoard > 0);
    }

    // Every million events by offset (not by batch), so a replay expires at the same points.
    private void ExpireIfDue(long offset)
    {
        if (offset % 1_000_000 != 999_999)
        {
            return;
        }

        var before = _lastEventMs - (long)Options.VectorExpiry.TotalMilliseconds;
        _users.Expire(before);
        _videos.Expire(before);
        _creators.Expire(before);
        _hashtags.Expire(before);
    }
}
