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

        using var stream = new MemoryStream();
        engine.WriteSnapshot(stream);
        stream.Position = 0;
        using var restored = ForYouEngine.ReadSnapshot(stream, new EngineOptions { Seed = 4, ReproducibleIndexRefresh = true }, clock);
        Assert.Equal(engine.NearlineVideos, restored.NearlineVideos);
        engine.Dispose();
    }

    private static ForYouEngine Learn(EngineOptions options, out FakeTimeProvider clock, out long offset)
    {
        clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(Start));
        var engine = new ForYouEngine(options, clock);
        var tag = new CatalogHashtag(900, "clips");
        engine.UpsertVideos(Enumerable.Range(0, Groups * PerGroup).Select(i => new CatalogVideo(
            i + 1L, i + 1L, "creator" + (i + 1), [tag], 20_000, Start - 86_400_000, Recommendable: true)));

        // Each viewer belongs to one group and watches six of its ten videos to the end, in a random order,
        // one every 30 hours: too far apart for the online co-watch graph (it links favourites within a day).
        var random = new Random(11);
        var picks = Enumerable.Range(0, Viewers + 1).Select(_ => Enumerable.Range(0, PerGroup).OrderBy(_ => random.Next()).Take(6).ToArray()).ToArray();
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

    private static long Video(int group, int k) => (group * PerGroup) + k + 1L;

    private static WatchEvent Watch(long viewer, long video, long t) =>
        new(WatchEventType.Complete, viewer, video, video, viewer, 20_000, 20_000, t, t, FeedSurface.ForYou);

    private static int Hits(IReadOnlyList<RankedVideo> page, int group) => page.Count(r => InGroup(r, group));

    private static bool InGroup(RankedVideo r, int group) => (r.VideoId - 1) / PerGroup == group;

    private static float RelatedSignal(RankedVideo r) => r.Signals.FirstOrDefault(s => s.Name == "related")?.Value ?? 0;
}
