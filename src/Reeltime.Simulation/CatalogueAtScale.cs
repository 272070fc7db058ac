using System.Diagnostics;
using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Simulation;

/// <summary>
/// A synthetic engine of a given size for speed and memory measurements (not for quality: the tastes are
/// one topic per viewer): videos in 500 topic hashtags plus 37 generic ones, 50,000 creators, then warm-up
/// events so vectors, interests, trends and co-watch lists exist.
/// </summary>
/// <param name="Videos">Catalogue size.</param>
/// <param name="Users">Number of viewers.</param>
public sealed record CatalogueAtScale(int Videos, int Users)
{
    /// <summary>Topic hashtags; each viewer likes one.</summary>
    public const int Topics = 500;

    /// <summary>Creators the videos are spread over.</summary>
    public const int Creators = 50_000;

    // Creators are users on the platform, and the engine ignores a user's engagement with their own videos:
    // ids apart from the viewers' keep every event on the ordinary path.
    private const long CreatorIdBase = 1_000_000_000;

    /// <summary>The creator of video <paramref name="videoId"/>.</summary>
    public static long CreatorOf(long videoId) => CreatorIdBase + 1 + (videoId % Creators);

    /// <summary>Builds the engine, printing each step's time to <paramref name="log"/>.</summary>
    public ForYouEngine Build(EngineOptions options, TimeProvider clock, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var engine = new ForYouEngine(options, clock);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var watch = Stopwatch.StartNew();
        const int Page = 50_000;
        for (var start = 1; start <= Videos; start += Page)
        {
            var page = new List<CatalogVideo>(Page);
            for (var v = start; v < start + Page && v <= Videos; v++)
            {
                var topic = (v - 1) % Topics;
                page.Add(new CatalogVideo(v, CreatorOf(v), "c" + (v % Creators), [new CatalogHashtag(1 + topic, "t" + topic), new CatalogHashtag(10_000 + (v % 37), "g" + (v % 37))],
                    15_000 + (v % 45_000), now - ((Videos - v) * 600L), true));
            }

            engine.UpsertVideos(page);
        }

        log($"catalogue and index of {Videos:N0} videos built in {watch.Elapsed.TotalSeconds:N0} s; managed heap {GC.GetTotalMemory(true) / (1024 * 1024):N0} MB");
        watch.Restart();
        var offset = 0L;
        for (var batch = 0; batch < Math.Max(1, Users / 2_000); batch++)
        {
            engine.Apply(Events(30_000, offset, batch, now));
            offset += 30_000;
        }

        log($"{offset:N0} warm-up events applied in {watch.Elapsed.TotalSeconds:N0} s; managed heap {GC.GetTotalMemory(true) / (1024 * 1024):N0} MB; {engine.Statistics()}");
        watch.Restart();
        engine.FitNearlineModel();
        log($"nearline model over {engine.NearlineVideos:N0} videos gathered and fitted in {watch.Elapsed.TotalSeconds:N1} s (the fit alone {engine.NearlineFitTime.TotalSeconds:N1} s); managed heap {GC.GetTotalMemory(true) / (1024 * 1024):N0} MB");
        return engine;
    }

    /// <summary>Events of viewers' sessions: served, then a completion for the viewer's topic and a skip otherwise, then progress or a like.</summary>
    public LoggedEvent[] Events(int count, long firstOffset, int seed, long startMs)
    {
        var random = new Random(seed);
        var events = new LoggedEvent[count];
        var t = startMs;
        for (var i = 0; i < count; i++)
        {
            var user = 1 + random.Next(Users);
            var topic = (user * 7) % Topics;
            var video = random.Next(3) == 0 ? 1 + (topic + (Topics * random.Next(Videos / Topics))) : 1 + random.Next(Videos);
            t += 1;
            var type = (i % 3) switch
            {
                0 => WatchEventType.Served,
                1 => (video - 1) % Topics == topic ? WatchEventType.Complete : WatchEventType.Skip,
                _ => random.Next(10) == 0 ? WatchEventType.Like : WatchEventType.Progress,
            };
            events[i] = new LoggedEvent(firstOffset + i, new WatchEvent(type, user, Math.Min(video, Videos), 0, 1, 9_000, 9_000, t, t, FeedSurface.ForYou));
        }

        return events;
    }
}
