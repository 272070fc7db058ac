using Microsoft.Extensions.Time.Testing;
using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation.Tests;

/// <summary>
/// The nearline model: a world where only co-engagement carries the signal (every video shares one hashtag,
/// and each video is its own creator), so the videos of a viewer's group can be found only from what others
/// watched together.
/// </summary>
public sealed class NearlineTests
{
    private const int Groups = 20;
    private const int PerGroup = 10;
    private const int Viewers = 400;
    private const long Start = 1_780_000_000_000;
    private const long Gap = 30 * 3_600_000L;

    [Fact]
    public void The_nearline_model_finds_what_is_watched_together_and_names_the_video_it_comes_from()
    {
        var with = Learn(new EngineOptions { ReproducibleIndexRefresh = true, Seed = 3 }, out var clock, out var offset);
        var without = Learn(new EngineOptions { ReproducibleIndexRefresh = true, Seed = 3, Nearline = { Videos = 0 } }, out _, out _);
        Assert.True(with.NearlineVideos >= Groups * PerGroup - 5, $"the model covers {with.NearlineVideos} videos");
        Assert.Equal(0, without.NearlineVideos);

        // A newcomer watches three videos of each test group; the other seven of the group should lead their feed.
        double hitsWith = 0, hitsWithout = 0;
        var newcomers = 0;
        for (var group = 0; group < Groups; group += 2)
        {
            var viewer = 10_000L + group;
            var t = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var events = new List<WatchEvent>();
            for (var k = 0; k < 3; k++)
            {
                events.Add(Watch(viewer, Video(group, k), t + (k * Gap)));
            }

            foreach (var engine in new[] { with, without })
            {
                var start = offset;
                engine.Apply([.. events.Select(e => new LoggedEvent(start++, e))]);
            }

            offset += events.Count;
            clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(t + (3 * Gap)));
            hitsWith += Hits(with.Recommend(new RecommendationRequest(viewer, 10)), group);
            hitsWithout += Hits(without.Recommend(new RecommendationRequest(viewer, 10)), group);
            newcomers++;

            // What the model adds is the group: every video of it that the page holds came (also) from the
            // model, which names a video of the group the viewer watched, and it scores the group above the rest.
            var page = with.Recommend(new RecommendationRequest(viewer, 10));
            Assert.All(page.Where(r => InGroup(r, group)), r => Assert.True((r.Sources & CandidateSource.Related) != 0, $"{r.VideoId} came from {r.Sources}"));
            var related = page.Where(r => r.ReasonCode == "related").ToList();
            Assert.NotEmpty(related);
            // Each video is its own creator here, so the named creator is the favourite the reason points to:
            // one of the three the newcomer watched.
            var watched = Enumerable.Range(0, 3).Select(k => Video(group, k)).ToHashSet();
            Assert.All(related, r =>
            {
                var named = System.Text.RegularExpressions.Regex.Match(r.ReasonText, @"^People who enjoyed @creator(\d+)'s video you watched enjoyed this too$");
                Assert.True(named.Success, r.ReasonText);
                Assert.Contains(long.Parse(named.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), watched);
            });
            var groupScores = page.Where(r => InGroup(r, group)).Select(RelatedSignal).ToList();
            var otherScores = page.Where(r => !InGroup(r, group)).Select(RelatedSignal).ToList();
            Assert.True(groupScores.Min() > otherScores.DefaultIfEmpty(0).Max(), $"group {string.Join(", ", groupScores)}; others {string.Join(", ", otherScores)}");
        }

        // Seven of ten places can hold the group's unwatched videos; by chance a page holds about 0.35 of them.
        hitsWith /= newcomers;
        hitsWithout /= newcomers;
        Assert.True(hitsWith >= 5, $"with the nearline model {hitsWith:F1} of 10 are from the viewer's group (without it {hitsWithout:F1})");
        Assert.True(hitsWith >= hitsWithout, $"with {hitsWith:F1}, without {hitsWithout:F1}");

        // The non-personalised feed uses no profiling, so nothing from the nearline model.
        Assert.DoesNotContain(with.Recommend(new RecommendationRequest(10_000, 50, Personalized: false)), r => (r.Sources & CandidateSource.Related) != 0);
        with.Dispose();
        without.Dispose();
    }

    [Fact]
    public void A_server_fits_in_the_background_and_a_restored_snapshot_refits_on_its_own()
    {
        var engine = Learn(new EngineOptions { Seed = 4 }, out var clock, out _);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (engine.NearlineVideos == 0 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.True(engine.NearlineVideos > 0, "no background fit landed");
        Assert.Equal(0, engine.NearlineFailures);

        // Fits share one solve buffer, but never at the same moment: three at once give the model one alone gives.
        long[] videos = [.. Enumerable.Range(0, Groups * PerGroup).Select(i => i + 1L)];
        var alone = new float[videos.Length];
        engine.FitNearlineModel();
        engine.ScoreVideos(1, videos, alone);
        var fits = engine.NearlineFits;
        Parallel.Invoke(engine.FitNearlineModel, engine.FitNearlineModel, engine.FitNearlineModel);
        var together = new float[videos.Length];
        engine.ScoreVideos(1, videos, together);
        Assert.Equal(fits + 3, engine.NearlineFits);
        Assert.Equal(alone, together);

        using var stream = new MemoryStream();
        engine.WriteSnapshot(stream);
        stream.Position = 0;
        using var restored = ForYouEngine.ReadSnapshot(stream, new EngineOptions { Seed = 4, ReproducibleIndexRefresh = true }, clock);
        Assert.Equal(engine.NearlineVideos, restored.NearlineVideos);
        engine.Dispose();
    }

    [Fact]
    public void The_sequence_part_puts_what_comes_next_above_what_came_before()
    {
        // Each group is a chain of ten videos, and each viewer favours six consecutive ones in the chain's order,
        // starting anywhere from the first to the fifth, 30 hours apart. Which videos go together is symmetric
        // about the chain's middle: a newcomer who favoured the fifth and then the sixth has the fourth and the
        // seventh equally close in EASE's sets. Only the order tells them apart: the seventh is what follows.
        double NextAbovePrevious(float sequenceWeight)
        {
            var options = new EngineOptions { ReproducibleIndexRefresh = true, Seed = 5, Nearline = { SequenceWeight = sequenceWeight } };
            using var engine = Learn(options, ChainPicks(), out var clock, out var offset);
            Assert.True(engine.NearlineVideos > 0, "the model was not fitted");
            var margins = new List<float>();
            for (var group = 0; group < Groups; group++)
            {
                var viewer = 20_000L + group;
                var t = clock.GetUtcNow().ToUnixTimeMilliseconds();
                engine.Apply([new LoggedEvent(offset++, Watch(viewer, Video(group, 4), t)), new LoggedEvent(offset++, Watch(viewer, Video(group, 5), t + Gap))]);
                clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(t + (2 * Gap)));
                var scores = new float[2];
                engine.ScoreVideos(viewer, [Video(group, 3), Video(group, 6)], scores);
                margins.Add(scores[1] - scores[0]);
            }

            return margins.Count(m => m > 0) / (double)margins.Count;
        }

        var with = NextAbovePrevious(0.3f);
        var without = NextAbovePrevious(0);
        Assert.True(with >= 0.9, $"with the sequence part the next video led for {with:P0} of newcomers (without it {without:P0})");
        Assert.True(with > without, $"with {with:P0}, without {without:P0}");
    }

    // Each group is a chain: a viewer favours six consecutive videos of it in order, from the first to the fifth on.
    private static int[][] ChainPicks()
    {
        var random = new Random(13);
        return [.. Enumerable.Range(0, Viewers + 1).Select(_ => random.Next(5)).Select(first => Enumerable.Range(first, 6).ToArray())];
    }

    // Each viewer belongs to one group and watches six of its ten videos to the end, in a random order.
    private static int[][] RandomPicks()
    {
        var random = new Random(11);
        return [.. Enumerable.Range(0, Viewers + 1).Select(_ => Enumerable.Range(0, PerGroup).OrderBy(_ => random.Next()).Take(6).ToArray())];
    }

    private static ForYouEngine Learn(EngineOptions options, out FakeTimeProvider clock, out long offset) => Learn(options, RandomPicks(), out clock, out offset);

    // Viewer v watches the videos picks[v] of group v % Groups to the end, one every 30 hours: too far apart
    // for the online co-watch graph (it links favourites within a day).
    private static ForYouEngine Learn(EngineOptions options, int[][] picks, out FakeTimeProvider clock, out long offset)
    {
        var engine = NewEngine(options, out clock);
        var events = new List<LoggedEvent>();
        offset = 0;
        var t = Start;
        for (var round = 0; round < 6; round++)
        {
            for (var viewer = 1; viewer <= Viewers; viewer++)
            {
                t = Start + (round * Gap) + (viewer * 1_000L);
                events.Add(new LoggedEvent(offset++, Watch(viewer, Video(viewer % Groups, picks[viewer][round]), t)));
            }
        }

        clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(t + 1_000));
        engine.Apply([.. events]);
        return engine;
    }

    // Every video shares one hashtag and is its own creator, so only what is watched together tells them apart.
    private static ForYouEngine NewEngine(EngineOptions options, out FakeTimeProvider clock)
    {
        clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Start));
        var engine = new ForYouEngine(options, clock);
        var tag = new CatalogHashtag(900, "clips");
        engine.UpsertVideos(Enumerable.Range(0, Groups * PerGroup).Select(i => new CatalogVideo(
            i + 1L, 1_000_000L + i, "creator" + (i + 1), [tag], 20_000, Start - 86_400_000, Recommendable: true)));
        return engine;
    }

    private static long Video(int group, int k) => (group * PerGroup) + k + 1L;

    private static WatchEvent Watch(long viewer, long video, long t) =>
        new(WatchEventType.Complete, viewer, video, video, viewer, 20_000, 20_000, t, t, FeedSurface.ForYou);

    private static int Hits(IReadOnlyList<RankedVideo> page, int group) => page.Count(r => InGroup(r, group));

    private static bool InGroup(RankedVideo r, int group) => (r.VideoId - 1) / PerGroup == group;

    private static float RelatedSignal(RankedVideo r) => r.Signals.FirstOrDefault(s => s.Name == "related")?.Value ?? 0;
}
