using Reeltime.Platform.Events;

namespace Reeltime.Simulation.Tests;

public sealed class SimulatorTests
{
    private static readonly SimulationSettings Small = new() { Users = 120, Days = 5, InterestSwitchDay = 3, InitialVideos = 2_000, FreshVideos = 200 };

    /// <summary>
    /// Knows each viewer's hidden taste (reads the world's truth): the ceiling a learning policy aims at.
    /// If the simulator did not reward relevance, this policy could not beat random.
    /// </summary>
    private sealed class OraclePolicy(SyntheticWorld world) : IFeedPolicy
    {
        private readonly List<CatalogEntry> _videos = [];
        private readonly Dictionary<long, HashSet<long>> _seen = [];
        private readonly Dictionary<long, SimulatedVideo> _truth = world.Videos.ToDictionary(v => v.Id);
        private readonly Dictionary<long, SimulatedUser> _users = world.Users.ToDictionary(u => u.Id);

        public string Name => "oracle";

        public ValueTask AddVideoAsync(CatalogEntry video, CancellationToken cancellationToken)
        {
            _videos.Add(video);
            return ValueTask.CompletedTask;
        }

        public ValueTask<IReadOnlyList<long>> NextPageAsync(long userId, int count, long nowMs, CancellationToken cancellationToken)
        {
            if (!_seen.TryGetValue(userId, out var seen))
            {
                _seen[userId] = seen = [];
            }

            var interests = _users[userId].Interests;
            var page = _videos.Where(v => !seen.Contains(v.Id))
                .OrderByDescending(v => Score(interests, _truth[v.Id]))
                .Take(count).Select(v => v.Id).ToList();
            seen.UnionWith(page);
            return ValueTask.FromResult<IReadOnlyList<long>>(page);
        }

        public ValueTask ObserveAsync(ReadOnlyMemory<WatchEvent> events, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        private static double Score(float[] interests, SimulatedVideo video) =>
            interests.Zip(video.Topics, (a, b) => a * b).Sum() * (0.4 + (0.6 * video.Quality));
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_outcome()
    {
        var first = await new Simulator(new SyntheticWorld(Small)).RunAsync(new RandomPolicy(1));
        var second = await new Simulator(new SyntheticWorld(Small)).RunAsync(new RandomPolicy(1));
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Relevance_is_rewarded_and_a_switched_interest_is_measurable()
    {
        var simulator = new Simulator(new SyntheticWorld(Small));
        var random = await simulator.RunAsync(new RandomPolicy(1));

        var oracle = await simulator.RunAsync(run => new OraclePolicy(run));

        Assert.True(oracle.WatchSecondsPerImpression > 2.5 * random.WatchSecondsPerImpression,
            $"oracle {oracle.WatchSecondsPerImpression:F2} s vs random {random.WatchSecondsPerImpression:F2} s per impression");
        Assert.True(oracle.CompletionRate > 5 * random.CompletionRate);
        Assert.True(oracle.AdaptationPages <= 1.5, $"the oracle follows a switch at once, took {oracle.AdaptationPages:F2} pages");
        Assert.Equal(Small.AdaptationProbePages + 1, random.AdaptationPages, precision: 1);

        // The distribution: the oracle's median is its first page after the switch, random never gets there.
        Assert.Equal(1, oracle.AdaptationMedianPages);
        Assert.True(oracle.AdaptedWithin2Pages >= 0.9 && oracle.AdaptedWithin2Pages <= oracle.AdaptedWithin3Pages && oracle.AdaptedWithin3Pages <= oracle.AdaptedWithin4Pages);
        Assert.Equal(Small.AdaptationProbePages + 1, random.AdaptationMedianPages);
        Assert.True(random.AdaptedWithin4Pages < 0.05, $"random adapted within four pages for {random.AdaptedWithin4Pages:P0}");
        Assert.InRange(random.TopicEntropy, 1.0, Math.Log2(Small.Topics));
        Assert.True(oracle.TopicEntropy < random.TopicEntropy);
    }

    [Fact]
    public async Task Popularity_learns_from_events_and_random_spreads_impressions()
    {
        var simulator = new Simulator(new SyntheticWorld(Small));
        var random = await simulator.RunAsync(new RandomPolicy(3));
        var popularity = await simulator.RunAsync(new PopularityPolicy());
        Assert.True(popularity.CompletionRate > random.CompletionRate, $"showing what others completed must complete more often: {popularity} vs {random}");
        Assert.True(random.FreshReachShare > popularity.FreshReachShare, "popularity starves new uploads; random does not");
    }

    [Fact]
    public void The_adaptation_bound_follows_from_the_page_served_blind_and_the_exploration_it_risks()
    {
        int[] lastFour = [6, 7, 8, 9];
        var none = AdaptationBound.Estimate(Small, []);
        var four = AdaptationBound.Estimate(Small, lastFour);
        var firstFour = AdaptationBound.Estimate(Small, [0, 1, 2, 3]);
        var all = AdaptationBound.Estimate(Small, [.. Enumerable.Range(0, Small.PageSize)]);

        // Without exploration on the first page, the second page is the first that can test anything and the
        // third the first that can match.
        Assert.True(none.MeanPages > 3 && none.MedianPages >= 3, $"no exploration: {none}");

        // Each place given to exploration on the blind page brings the answer earlier; places near the top,
        // where viewers look longer, more than places at the bottom.
        Assert.True(all.MeanPages < four.MeanPages && four.MeanPages < none.MeanPages, $"all ten {all.MeanPages:F3}, four {four.MeanPages:F3}, none {none.MeanPages:F3}");
        Assert.True(firstFour.MeanPages < four.MeanPages, $"first four {firstFour.MeanPages:F3}, last four {four.MeanPages:F3}");

        // Even an all-exploring first page cannot match before the second page, nor always on it: a handful of
        // untried topics (20 or 21 here) do not fit in ten places.
        Assert.True(all.MeanPages > 2.3, $"all ten {all}");
        Assert.Equal(four, AdaptationBound.Estimate(Small, lastFour));
        Assert.Throws<ArgumentException>(() => AdaptationBound.Estimate(Small, [3, 3]));
        Assert.Throws<ArgumentException>(() => AdaptationBound.Estimate(Small, [Small.PageSize]));
    }
}
