using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Simulation;

/// <summary>
/// The real For You engine under simulation, driven through the same surface the server uses: the
/// catalogue feed, the event log's events in order (including the <c>Served</c> events the server logs
/// for every page), and feed requests. Time is the simulation's clock, not the wall's.
/// </summary>
public sealed class EnginePolicy : IFeedPolicy, IDisposable
{
    // The earlier audience that left the initial catalogue's likes (see SyntheticWorld): ids far from the viewers'.
    private const long EarlierAudienceFirstId = 1_000_000_000;
    private const int EarlierAudience = 200;

    // The world numbers creators and viewers from 1 each. On the platform a creator is a user, and the engine
    // ignores a user's engagement with their own videos: creators take ids of their own in the engine.
    private const long CreatorIdBase = 2_000_000_000;

    private readonly EventTimeClock _clock = new();
    private readonly ForYouEngine _engine;
    private readonly List<CatalogVideo> _pendingVideos = [];
    private readonly List<LoggedEvent> _pendingEvents = [];
    private readonly Dictionary<string, long> _hashtagIds = new(StringComparer.Ordinal);
    private long _nextOffset;
    private long _requests;

    /// <summary>
    /// An engine with <paramref name="options"/> (defaults with a reproducible index refresh when null;
    /// pass <see cref="EngineOptions.ReproducibleIndexRefresh"/> to get figures that do not depend on the machine).
    /// </summary>
    public EnginePolicy(EngineOptions? options = null)
    {
        _engine = new ForYouEngine(options ?? new EngineOptions { ReproducibleIndexRefresh = true }, _clock);
    }

    /// <inheritdoc />
    public string Name => "engine";

    /// <inheritdoc />
    public ValueTask AddVideoAsync(CatalogEntry video, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        var tags = video.Hashtags.Select(t => new CatalogHashtag(HashtagId(t), t)).ToList();
        _pendingVideos.Add(new CatalogVideo(video.Id, CreatorIdBase + video.CreatorId, $"creator{video.CreatorId}", tags, video.DurationMs, video.UploadedAtMs, Recommendable: true));

        // Its public like count is history the platform's log holds: replay it as likes from an earlier audience.
        for (var i = 0; i < video.Likes; i++)
        {
            var earlier = EarlierAudienceFirstId + ((video.Id * 31) + i) % EarlierAudience;
            Append(new WatchEvent(WatchEventType.Like, earlier, video.Id, CreatorIdBase + video.CreatorId, 0, 0, 0, video.UploadedAtMs, video.UploadedAtMs, FeedSurface.ForYou));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> NextPageAsync(long userId, int count, long nowMs, CancellationToken cancellationToken)
    {
        _clock.Set(nowMs);
        Flush();
        var ranked = _engine.Recommend(new RecommendationRequest(userId, count, Seed: ++_requests));
        var ids = ranked.Select(r => r.VideoId).ToArray();
        _engine.MarkServed(userId, ids);
        foreach (var id in ids)
        {
            _engine.TryDescribe(id, out var creator, out _);
            Append(new WatchEvent(WatchEventType.Served, userId, id, creator, 0, 0, 0, nowMs, nowMs, FeedSurface.ForYou));
        }

        return ValueTask.FromResult<IReadOnlyList<long>>(ids);
    }

    /// <inheritdoc />
    public ValueTask ObserveAsync(ReadOnlyMemory<WatchEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events.Span)
        {
            Append(e.CreatorId != 0 ? e with { CreatorId = CreatorIdBase + e.CreatorId } : e);
        }

        if (!events.IsEmpty)
        {
            _clock.Set(events.Span[^1].ServerTimeMs);
        }

        Flush();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _engine.Dispose();

    private void Append(WatchEvent e) => _pendingEvents.Add(new LoggedEvent(_nextOffset++, e));

    private void Flush()
    {
        if (_pendingVideos.Count > 0)
        {
            _engine.UpsertVideos(_pendingVideos);
            _pendingVideos.Clear();
        }

        if (_pendingEvents.Count > 0)
        {
            _engine.Apply(_pendingEvents.ToArray());
            _pendingEvents.Clear();
        }
    }

    private long HashtagId(string tag)
    {
        if (!_hashtagIds.TryGetValue(tag, out var id))
        {
            _hashtagIds[tag] = id = _hashtagIds.Count + 1;
        }

        return id;
    }
}
