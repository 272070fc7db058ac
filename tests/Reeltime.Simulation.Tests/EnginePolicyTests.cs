using Reeltime.Recommendation.Engine;

namespace Reeltime.Simulation.Tests;

/// <summary>
/// The real engine against a small synthetic audience: it must learn each viewer's hidden taste (more
/// watch time per video shown than the popularity baseline) and follow a switch of taste within a few
/// pages. Seeded, so the figures are the same on every run.
/// </summary>
public sealed class EnginePolicyTests
{
    // A small world: a third of the default audience and catalogue, five days, the taste switch on day 3.
    private static readonly SimulationSettings Small = new()
    {
        Seed = 21,
        Users = 120,
        Days = 5,
        InterestSwitchDay = 3,
        InitialVideos = 2_000,
        FreshVideos = 200,
    };

    [Fact]
    public async Task The_engine_learns_tastes_beats_popularity_and_follows_a_switch_within_a_few_pages()
    {
        var simulator = new Simulator(new SyntheticWorld(Small));
        var popularity = await simulator.RunAsync(new PopularityPolicy());
        using var policy = new EnginePolicy(new EngineOptions { Seed = Small.Seed, ReproducibleIndexRefresh = true });
        var engine = await simulator.RunAsync(policy);

        Assert.True(engine.WatchSecondsPerImpression >= 1.5 * popularity.WatchSecondsPerImpression,
            $"engine {engine.WatchSecondsPerImpression:F2} s vs popularity {popularity.WatchSecondsPerImpression:F2} s per impression");
        Assert.True(engine.CompletionRate > popularity.CompletionRate, $"completion: engine {engine.CompletionRate:F3} vs popularity {popularity.CompletionRate:F3}");

        // Popularity never follows a viewer (about the censored 11); the engine finds the new taste within a few
        // pages (about 3.4 on this world, most viewers within three).
        Assert.True(engine.AdaptationPages <= 4, $"the engine took {engine.AdaptationPages:F2} pages to follow a switch (popularity {popularity.AdaptationPages:F2})");
        Assert.True(engine.AdaptedWithin3Pages >= 0.5, $"{engine.AdaptedWithin3Pages:P0} of viewers got a feed matching their new taste within three pages");
        Assert.True(engine.AdaptedShare >= 0.95, $"{engine.AdaptedShare:P0} of viewers got a feed matching their new taste within the probe");

        // No feed that cannot see the new taste beats the ideal one given the same four exploration places on
        // the blind first page; if the engine did, the simulator would be measuring something else.
        var bound = AdaptationBound.Estimate(Small, ForYouEngine.OpeningExplorePlaces);
        Assert.True(engine.AdaptationPages >= bound.MeanPages - 0.1, $"the engine took {engine.AdaptationPages:F2} pages, the ideal blind feed {bound.MeanPages:F2}");

        // New uploads still reach a first audience, which popularity never gives them.
        Assert.True(engine.FreshReachShare > popularity.FreshReachShare, $"fresh reach: engine {engine.FreshReachShare:P0} vs popularity {popularity.FreshReachShare:P0}");
    }
}
