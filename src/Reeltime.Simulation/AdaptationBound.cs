namespace Reeltime.Simulation;

/// <summary>What the ideal blind feed reached: pages until a switched taste filled half a page.</summary>
/// <param name="OpeningPlaces">The positions (0-based) of the day's first page that it gave to exploration.</param>
/// <param name="MeanPages">Mean pages, censored at the probe + 1 as <see cref="PolicyOutcome.AdaptationPages"/> is.</param>
/// <param name="MedianPages">Median pages.</param>
/// <param name="Within3Pages">Share of viewers followed within three pages.</param>
public sealed record AdaptationBoundOutcome(IReadOnlyList<int> OpeningPlaces, double MeanPages, double MedianPages, double Within3Pages);

/// <summary>
/// The fewest pages, on the mean, that a feed which cannot see where a viewer's taste went needs to follow
/// it in a world: the yardstick for a policy's <see cref="PolicyOutcome.AdaptationPages"/>.
/// </summary>
/// <remarks>
/// <para>
/// The ideal feed is given everything short of the answer. It knows which topics each viewer liked before
/// the switch and tests only the others, each once before any twice; each test is a video about that topic
/// alone and of the best quality; a long watch, like or share of it is read at once as the answer, no other
/// test ever looks like one; and the page after a hit matches the new taste. The viewer's reaction to a
/// test is the simulator's own (<see cref="Simulator.React"/>), with its noise and position bias.
/// </para>
/// <para>
/// What it cannot do is know the new topic before a test shows it. The switch comes before the day's first
/// page, which is served blind: only the places that page gives to exploration can test anything, and the
/// earliest it can be followed is the next page. Every later page tests ten topics.
/// </para>
/// <para>
/// Why it is worth computing: with 24 topics and pages of ten, the mean an adapting feed can reach depends
/// mostly on how much of the day's first page it risks on exploration, which costs watch time on every
/// session of every day. Set beside the engine's figure, the bound says how much of the engine's gap is
/// its own and how much is the world's.
/// </para>
/// </remarks>
public static class AdaptationBound
{
    /// <summary>
    /// Runs the ideal blind feed over the viewers of the world <paramref name="settings"/> make,
    /// <paramref name="rounds"/> times each (the topics' test order and the reactions drawn afresh each time).
    /// </summary>
    /// <param name="settings">The world: its viewers' tastes and switches, its topics, pages and probe.</param>
    /// <param name="openingPlaces">Positions (0-based) of the day's first page given to exploration.</param>
    /// <param name="rounds">Runs per viewer.</param>
    /// <param name="seed">Seeds the test order and the reactions.</param>
    public static AdaptationBoundOutcome Estimate(SimulationSettings settings, IReadOnlyList<int> openingPlaces, int rounds = 100, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(openingPlaces);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        if (openingPlaces.Any(p => p < 0 || p >= settings.PageSize) || openingPlaces.Distinct().Count() != openingPlaces.Count)
        {
            throw new ArgumentException($"Opening places are distinct positions from 0 to {settings.PageSize - 1}.", nameof(openingPlaces));
        }

        var world = new SyntheticWorld(settings); // its viewers before the switch

        var random = new Random(seed);
        var probe = settings.AdaptationProbePages;
        var pages = new List<int>(world.Users.Count * rounds);
        foreach (var viewer in world.Users)
        {
            var before = viewer.Interests;
            var after = new SimulatedUser(viewer.Id, [.. before], viewer.SwitchTo);
            after.SwitchInterest();

            // Topics the viewer did not like before: the ones worth testing. Their shares of the old taste
            // are all the same small background; the liked ones stand above it.
            var background = before.Min();
            var candidates = Enumerable.Range(0, settings.Topics).Where(t => before[t] <= background).ToArray();
            var test = TestVideo(settings, after.SwitchTo);
            for (var round = 0; round < rounds; round++)
            {
                pages.Add(PagesToFollow(settings, after, candidates, test, openingPlaces, random, probe));
            }
        }

        pages.Sort();
        var median = pages.Count % 2 == 1 ? pages[pages.Count / 2] : (pages[(pages.Count / 2) - 1] + pages[pages.Count / 2]) / 2.0;
        return new AdaptationBoundOutcome(openingPlaces, pages.Average(), median, pages.Count(p => p <= 3) / (double)pages.Count);
    }

    // A video about the new topic alone, at the best quality. Its length is of no account: the reaction's
    // watch ratio does not depend on it.
    private static SimulatedVideo TestVideo(SimulationSettings settings, int topic)
    {
        var topics = new float[settings.Topics];
        topics[topic] = 1;
        return new SimulatedVideo(0, 0, [SyntheticWorld.TopicTag(topic)], 30_000, 0, topics, 1);
    }

    private static int PagesToFollow(SimulationSettings settings, SimulatedUser viewer, int[] candidates, SimulatedVideo test, IReadOnlyList<int> openingPlaces, Random random, int probe)
    {
        // The candidates in a random order: the feed has no reason to prefer one over another.
        var order = (int[])candidates.Clone();
        random.Shuffle(order);
        var next = 0;
        for (var page = 1; page <= probe; page++)
        {
            var places = page == 1 ? openingPlaces.Count : settings.PageSize;
            for (var i = 0; i < places; i++)
            {
                if (next == order.Length)
                {
                    // Every candidate has been tried and missed: try them all again, in a new order.
                    random.Shuffle(order);
                    next = 0;
                }

                var topic = order[next++];
                var position = page == 1 ? openingPlaces[i] : i;
                if (topic == viewer.SwitchTo && Hit(viewer, test, position, random))
                {
                    return Math.Min(page + 1, probe + 1);
                }
            }
        }

        return probe + 1; // not followed within the probe: censored, as the simulator counts it
    }

    private static bool Hit(SimulatedUser viewer, SimulatedVideo video, int position, Random random)
    {
        var watched = Simulator.React(viewer, video, position, random, out _, out var liked, out var shared, out _);
        return watched >= video.DurationMs / 2 || liked || shared;
    }
}
