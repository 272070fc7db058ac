using Reeltime.Platform.Events;

namespace Reeltime.Simulation;

/// <summary>What a policy may know of a video: what the platform knows, never the hidden truth.</summary>
/// <param name="Id">Video id.</param>
/// <param name="CreatorId">Creator id.</param>
/// <param name="Hashtags">Hashtags from the caption.</param>
/// <param name="DurationMs">Length.</param>
/// <param name="UploadedAtMs">Upload time, Unix milliseconds of the simulated clock.</param>
/// <param name="Likes">Its public like count when the simulation starts (videos of the initial catalogue have a history).</param>
public sealed record CatalogEntry(long Id, long CreatorId, IReadOnlyList<string> Hashtags, int DurationMs, long UploadedAtMs, int Likes);

/// <summary>
/// A feed policy under simulation: it is told of every upload, asked for pages, and shown every event the
/// audience produces, exactly as the platform would feed the engine.
/// </summary>
public interface IFeedPolicy
{
    /// <summary>The name the report uses.</summary>
    string Name { get; }

    /// <summary>A video became available.</summary>
    ValueTask AddVideoAsync(CatalogEntry video, CancellationToken cancellationToken);

    /// <summary>The next page of the viewer's feed, at most <paramref name="count"/> video ids.</summary>
    ValueTask<IReadOnlyList<long>> NextPageAsync(long userId, int count, long nowMs, CancellationToken cancellationToken);

    /// <summary>Events of one page, in order; the next page must reflect them.</summary>
    ValueTask ObserveAsync(ReadOnlyMemory<WatchEvent> events, CancellationToken cancellationToken);
}

/// <summary>Uniformly random unseen videos: the floor any policy must beat.</summary>
public sealed class RandomPolicy(int seed) : IFeedPolicy
{
    private readonly Random _random = new(seed);
    private readonly List<long> _videos = [];
    private readonly Dictionary<long, HashSet<long>> _seen = [];

    /// <inheritdoc />
    public string Name => "random";

    /// <inheritdoc />
    public ValueTask AddVideoAsync(CatalogEntry video, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        _videos.Add(video.Id);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> NextPageAsync(long userId, int count, long nowMs, CancellationToken cancellationToken)
    {
        var seen = Seen(_seen, userId);
        var page = new List<long>(count);
        for (var attempt = 0; page.Count < count && attempt < count * 50; attempt++)
        {
            var id = _videos[_random.Next(_videos.Count)];
            if (seen.Add(id))
            {
                page.Add(id);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<long>>(page);
    }

    /// <inheritdoc />
    public ValueTask ObserveAsync(ReadOnlyMemory<WatchEvent> events, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    internal static HashSet<long> Seen(Dictionary<long, HashSet<long>> seen, long userId)
    {
        if (!seen.TryGetValue(userId, out var set))
        {
            seen[userId] = set = [];
        }

        return set;
    }
}

/// <summary>The most engaging videos so far (completions, likes, shares), unseen ones first: a strong, common baseline.</summary>
public sealed class PopularityPolicy : IFeedPolicy
{
    private const int RefreshEvery = 50;
    private readonly Dictionary<long, double> _score = [];
    private readonly Dictionary<long, HashSet<long>> _seen = [];
    private long[] _ranking = [];
    private int _staleness;

    /// <inheritdoc />
    public string Name => "popularity";

    /// <inheritdoc />
    public ValueTask AddVideoAsync(CatalogEntry video, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(video);
        _score.TryAdd(video.Id, 2.0 * video.Likes);
        _staleness = RefreshEvery; // a new video must be rankable on the next page
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<long>> NextPageAsync(long userId, int count, long nowMs, CancellationToken cancellationToken)
    {
        // Re-sorting after every page would cost more than it tells; a ranking a few dozen pages old is
        // what a cached "popular" list in a real service looks like anyway.
        if (++_staleness > RefreshEvery)
        {
            _ranking = [.. _score.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Select(p => p.Key)];
            _staleness = 0;
        }

        var seen = RandomPolicy.Seen(_seen, userId);
        var page = new List<long>(count);
        foreach (var id in _ranking)
        {
            if (page.Count == count)
            {
                break;
            }

            if (seen.Add(id))
            {
                page.Add(id);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<long>>(page);
    }

    /// <inheritdoc />
    public ValueTask ObserveAsync(ReadOnlyMemory<WatchEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events.Span)
        {
            var gain = e.Type switch
            {
                WatchEventType.Complete => 1.0,
                WatchEventType.Like => 2.0,
                WatchEventType.Share => 3.0,
                _ => 0.0,
            };
            if (gain > 0)
            {
                _score[e.VideoId] = _score.GetValueOrDefault(e.VideoId) + gain;
            }
        }

        return ValueTask.CompletedTask;
    }
}
