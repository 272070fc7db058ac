using Microsoft.Extensions.Time.Testing;
using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation.Tests;

/// <summary>
/// A seeded synthetic catalogue and audience with known preferences: videos belong to one topic (a
/// hashtag), each viewer loves one topic and skips the rest. Learning tests check that the engine
/// recovers those hidden preferences, not merely that it runs.
/// </summary>
internal sealed class SyntheticWorld
{
    public const int Topics = 6;
    private readonly Random _random;
    private long _offset;

    public SyntheticWorld(int seed, int videos = 600, int creators = 60, EngineOptions? options = null)
    {
        _random = new Random(seed);
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        Options = options ?? new EngineOptions { Dimensions = 16, Seed = seed, ReproducibleIndexRefresh = true };
        Engine = new ForYouEngine(Options, Clock);
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var catalog = new List<CatalogVideo>();
        for (var v = 1; v <= videos; v++)
        {
            var topic = v % Topics;
            var creator = 1000 + (v % creators);
            TopicOf[v] = topic;
            CreatorOf[v] = creator;
            catalog.Add(new CatalogVideo(v, creator, "creator" + creator, [new CatalogHashtag(500 + topic, "topic" + topic)], 20_000, now - (v * 1000L), true));
        }

        Engine.UpsertVideos(catalog);
    }

    public FakeTimeProvider Clock { get; }

    public EngineOptions Options { get; }

    public ForYouEngine Engine { get; }

    public Dictionary<long, int> TopicOf { get; } = [];

    public Dictionary<long, long> CreatorOf { get; } = [];

    /// <summary>Every event applied so far, with its offset, for replay tests.</summary>
    public List<LoggedEvent> Log { get; } = [];

    /// <summary>One page for the viewer, then their reaction: complete the loved topic, skip the rest.</summary>
    public IReadOnlyList<RankedVideo> Session(long viewer, int lovedTopic, int count = 10)
    {
        var page = Engine.Recommend(new RecommendationRequest(viewer, count, Seed: _random.Next()));
        var ids = page.Select(p => p.VideoId).ToArray();
        Engine.MarkServed(viewer, ids);
        var events = new List<WatchEvent>();
        foreach (var id in ids)
        {
            Clock.Advance(TimeSpan.FromSeconds(3));
            var t = Clock.GetUtcNow().ToUnixTimeMilliseconds();
            events.Add(new WatchEvent(WatchEventType.Served, viewer, id, 0, 1, 0, 0, t, t, FeedSurface.ForYou));
            var loved = TopicOf[id] == lovedTopic;
            events.Add(loved
                ? new WatchEvent(WatchEventType.Complete, viewer, id, 0, 1, 20_000, 20_000, t, t + 2000, FeedSurface.ForYou)
                : new WatchEvent(WatchEventType.Skip, viewer, id, 0, 1, 800, 800, t, t + 800, FeedSurface.ForYou));
        }

        Apply(events);
        return page;
    }

    public void Apply(IEnumerable<WatchEvent> events)
    {
        var logged = events.Select(e => new LoggedEvent(_offset++, e)).ToArray();
        Log.AddRange(logged);
        Engine.Apply(logged);
    }

    public double ShareOfTopic(IEnumerable<RankedVideo> page, int topic)
    {
        var list = page.ToList();
        return list.Count == 0 ? 0 : list.Count(p => TopicOf[p.VideoId] == topic) / (double)list.Count;
    }
}
