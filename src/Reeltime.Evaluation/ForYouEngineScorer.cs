using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;
using Reeltime.Recommendation.Offline;

namespace Reeltime.Evaluation;

/// <summary>
/// The live For You engine — the one that serves the feed — measured offline. It is given the training log as
/// the event log a deployment would hold (each engagement a served, watched-to-the-end video at its own time;
/// items with their tags as hashtags, each item its own creator), learns from it event by event, and ranks the
/// whole catalogue for a viewer with its multi-task ranker (<see cref="ForYouEngine.ScoreVideos"/>).
/// </summary>
/// <remarks>
/// A rating log holds only what people chose, while the engine's ranker learns from what it served and what
/// came of it. So each engagement is logged beside <paramref name="servedPerEngagement"/> other items served to
/// the same viewer at the same moment and not watched (drawn uniformly from items the viewer never engaged with,
/// with a fixed seed), which the engine's outcome join turns into negatives, as a feed's unwatched impressions
/// are. When a history holds engagements after the training log (protocol B's test), the engine learns them as
/// events first, as it would have live; it is never refitted otherwise. What the history holds is left out of
/// the ranking, as the feed's seen filter leaves out what a viewer watched.
/// </remarks>
/// <param name="options">The engine's options; null for the defaults of a deployment (with a reproducible index refresh).</param>
/// <param name="servedPerEngagement">Unwatched items logged as served beside each engagement.</param>
/// <param name="later">Engagements after the training log that some histories hold (protocol B's valid items), learned before scoring those histories.</param>
public sealed class ForYouEngineScorer(EngineOptions? options = null, int servedPerEngagement = 4, IReadOnlyList<Interaction>? later = null) : IItemScorer, IDisposable
{
    private const int DurationMs = 60_000;
    private InteractionLog? _log;
    private ForYouEngine? _engine;
    private ForYouEngine? _advanced;
    private long[] _videoIds = [];

    /// <inheritdoc />
    public string Name => "foryou";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        Dispose();
        _log = log;
        _videoIds = [.. Enumerable.Range(0, log.ItemCount).Select(VideoId)];
        _engine = Build(log, []);

        // Built here, not on first use: scoring runs on many threads at once, and a lazy build under a lock
        // would leave the nearline fit's parallel loops waiting for threads the blocked scorers hold.
        _advanced = later is null ? null : Build(log, later);
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(history);
        var log = _log ?? throw new InvalidOperationException("Fit the scorer first.");
        var engine = _engine!;
        if (history.User >= 0 && history.Count > log.Histories[history.User].Count)
        {
            engine = _advanced ?? throw new InvalidOperationException("A history runs past the training log, but no later engagements were given.");
        }

        // A history the log does not hold is a visitor: the engine knows nothing of them.
        engine.ScoreVideos(history.User >= 0 ? UserId(history.User) : 0, _videoIds, scores);
        for (var i = 0; i < scores.Length; i++)
        {
            if (float.IsNegativeInfinity(scores[i]))
            {
                scores[i] = float.MinValue;
            }
        }

        // The feed's seen filter leaves out what the viewer has watched (the ranker alone does not), as every
        // other model here leaves out the history it was given.
        foreach (var item in history.Items)
        {
            scores[item] = float.MinValue;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _engine?.Dispose();
        _advanced?.Dispose();
        (_engine, _advanced) = (null, null);
    }

    private static long UserId(int user) => user + 1L;

    private static long VideoId(int item) => item + 1L;

    // Each film is its own creator. On the platform a creator is a user, and the engine ignores a user's
    // engagement with their own videos, so creators here take ids no viewer has.
    private static long CreatorId(int item) => (1L << 40) + item;

    private ForYouEngine Build(InteractionLog log, IReadOnlyList<Interaction> after)
    {
        var clock = new EventTimeClock();
        var engine = new ForYouEngine(options ?? new EngineOptions { ReproducibleIndexRefresh = true }, clock);
        var firstMs = log.Interactions.Length == 0 ? 0 : log.Interactions[0].Time * 1000;
        var tagNames = Enumerable.Range(0, log.TagCount).Select(t => new CatalogHashtag(t + 1L, $"tag{t}")).ToArray();

        // Every item is in the catalogue from the first day: a rating log says nothing of when an item arrived.
        engine.UpsertVideos(Enumerable.Range(0, log.ItemCount).Select(i => new CatalogVideo(
            VideoId(i), CreatorId(i), $"item{i}", [.. log.ItemTags[i].Select(t => tagNames[t])], DurationMs, firstMs - 1, Recommendable: true)));

        var engaged = log.Histories.Select(h => h.Items.ToHashSet()).ToArray();
        var random = new Random(2020);
        var events = new List<LoggedEvent>(4_096);
        long offset = 0;
        void Add(WatchEventType type, int user, int item, long ms, int watchedMs) =>
            events.Add(new LoggedEvent(offset++, new WatchEvent(type, UserId(user), VideoId(item), CreatorId(item), UserId(user), watchedMs, watchedMs, ms, ms, FeedSurface.ForYou)));

        var trainCount = log.Interactions.Length;
        var index = 0;
        foreach (var x in log.Interactions.Concat(after.OrderBy(x => x.Time)))
        {
            if (index++ == trainCount)
            {
                // The training log ends here: a deployment's nearline fit lands on it (a background fit in a
                // server, shortly after), and what follows is learned live.
                engine.Apply(events.ToArray());
                events.Clear();
                engine.FitNearlineModel();
            }

            var ms = x.Time * 1000;
            clock.Set(ms);
            Add(WatchEventType.Served, x.User, x.Item, ms, 0);
            for (var k = 0; k < servedPerEngagement && log.ItemCount > engaged[x.User].Count; k++)
            {
                int other;
                do
                {
                    other = random.Next(log.ItemCount);
                }
                while (engaged[x.User].Contains(other));
                Add(WatchEventType.Served, x.User, other, ms, 0);
            }

            Add(WatchEventType.Complete, x.User, x.Item, ms, DurationMs);
            if (events.Count >= 4_000)
            {
                engine.Apply(events.ToArray());
                events.Clear();
            }
        }

        engine.Apply(events.ToArray());
        if (after.Count == 0)
        {
            engine.FitNearlineModel();
        }

        return engine;
    }
}
