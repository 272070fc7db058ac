using System.Text.Json;
using Reeltime.Recommendation.Offline;

namespace Reeltime.Evaluation.Tests;

/// <summary>Seeded synthetic worlds with a known structure: the models must recover it.</summary>
public class LearningTests
{
    /// <summary>300 users in 6 taste groups of 20 items each; 85% of a user's items come from their group.</summary>
    private static List<Rating> Clustered(int seed)
    {
        var random = new Random(seed);
        var ratings = new List<Rating>();
        for (var u = 0; u < 300; u++)
        {
            var group = u % 6;
            var items = new HashSet<int>();
            while (items.Count < 25)
            {
                // Within a group, lower item numbers are more popular (squared uniform).
                var pick = random.NextDouble() < 0.85
                    ? (group * 20) + (int)(20 * Math.Pow(random.NextDouble(), 2))
                    : (int)(120 * Math.Pow(random.NextDouble(), 3));
                items.Add(pick);
            }

            var t = 1_000_000L + (u * 10_000);
            ratings.AddRange(items.Select(i => new Rating(u + 1, i + 1, 4, t += 60)));
        }

        return ratings;
    }

    /// <summary>Users walk along a ring of 100 items one step at a time, from random starting points.</summary>
    private static List<Rating> Chains(int seed)
    {
        var random = new Random(seed);
        var ratings = new List<Rating>();
        for (var u = 0; u < 200; u++)
        {
            var start = random.Next(100);
            var t = 1_000_000L + (u * 10_000);
            for (var k = 0; k < 20; k++)
            {
                ratings.Add(new Rating(u + 1, ((start + k) % 100) + 1, 4, t += 60));
            }
        }

        return ratings;
    }

    private static double TestNdcg(IItemScorer scorer, EvaluationSet set)
    {
        scorer.Fit(set.Train);
        return Evaluator.Evaluate(scorer, set, Stage.Test)["ndcg@10"];
    }

    [Fact]
    public void Ease_bpr_and_knn_learn_taste_groups_that_popularity_cannot()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(1), Protocol.General, 2020));

        var pop = TestNdcg(new PopularityScorer(), set);
        var ease = TestNdcg(new EaseScorer(Lambda: 20), set);
        var bpr = TestNdcg(new BprScorer(Factors: 16, Epochs: 40), set);
        var itemKnn = TestNdcg(new ItemKnnScorer(Neighbours: 40), set);

        Assert.True(ease > 1.5 * pop, $"EASE {ease:F3} vs popularity {pop:F3}");
        Assert.True(bpr > 1.3 * pop, $"BPR {bpr:F3} vs popularity {pop:F3}");
        Assert.True(itemKnn > 1.3 * pop, $"ItemKNN {itemKnn:F3} vs popularity {pop:F3}");
    }

    [Fact]
    public void Ials_learns_taste_groups_that_popularity_cannot()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(6), Protocol.General, 2020));

        var pop = TestNdcg(new PopularityScorer(), set);
        var ials = TestNdcg(new IalsScorer(Factors: 16, Unobserved: 0.1, Regularisation: 0.1), set);

        Assert.True(ials > 1.5 * pop, $"iALS {ials:F3} vs popularity {pop:F3}");
    }

    [Fact]
    public void The_infinite_autoencoder_learns_taste_groups_that_popularity_cannot()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(6), Protocol.General, 2020));

        var pop = TestNdcg(new PopularityScorer(), set);
        var infinite = TestNdcg(new InfiniteAutoencoderScorer(Depth: 3, Ridge: 1), set);

        Assert.True(infinite > 1.5 * pop, $"∞-AE {infinite:F3} vs popularity {pop:F3}");
    }

    [Fact]
    public void The_live_for_you_engine_learns_taste_groups_that_popularity_cannot()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(6), Protocol.General, 2020));

        var pop = TestNdcg(new PopularityScorer(), set);
        using var live = new ForYouEngineScorer();
        var engine = TestNdcg(live, set);

        Assert.True(engine > 1.3 * pop, $"the live engine {engine:F3} vs popularity {pop:F3}");
    }

    [Fact]
    public void The_live_for_you_engine_learns_a_history_past_its_log_before_it_scores_it()
    {
        // Protocol B: the test history ends with the valid item, which the engine learns as an event first.
        var set = new EvaluationSet("chains", Protocol.Sequential, Split.Make(Chains(3), Protocol.Sequential, 2020));
        using var live = new ForYouEngineScorer(later: set.ValidInteractions);
        live.Fit(set.Train);
        var scores = new float[set.ItemCount];
        // On a ring walked one step at a time, the item after the latest one watched is what comes next: once
        // the engine has learned the valid item, the test item (the one after it) must move up for most users.
        var users = set.Users(Stage.Test);
        var improved = 0;
        foreach (var user in users)
        {
            var next = set.Targets(user, Stage.Test)[0];
            live.Score(set.History(user, Stage.Valid), scores);
            var before = scores.Count(s => s > scores[next]);
            live.Score(set.History(user, Stage.Test), scores);
            improved += scores.Count(s => s > scores[next]) < before ? 1 : 0;
        }

        Assert.True(improved > users.Length / 2, $"the next item moved up for {improved} of {users.Length} users");
        using var unaware = new ForYouEngineScorer();
        unaware.Fit(set.Train);
        Assert.Throws<InvalidOperationException>(() => unaware.Score(set.History(users[0], Stage.Test), scores));
    }

    [Fact]
    public void The_low_pass_filter_learns_taste_groups_that_popularity_cannot_and_a_popularity_scaled_penalty_keeps_ease_working()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(6), Protocol.General, 2020));

        var pop = TestNdcg(new PopularityScorer(), set);
        var lowPass = TestNdcg(new LowPassScorer(Rank: 6), set);
        var scaled = TestNdcg(new EaseScorer(Lambda: 20, PenaltyExponent: 0.5), set);

        Assert.True(lowPass > 1.5 * pop, $"low-pass {lowPass:F3} vs popularity {pop:F3}");
        Assert.True(scaled > 1.5 * pop, $"EASE with a popularity-scaled penalty {scaled:F3} vs popularity {pop:F3}");
    }

    [Fact]
    public void Ranking_trees_learn_an_interaction_that_no_single_feature_shows()
    {
        // Two features per row; a row is relevant when both are above 0.5 or both below it (an XOR-like
        // rule: neither feature alone orders the rows), with 10% label noise.
        static RankingRows Groups(int seed)
        {
            var random = new Random(seed);
            var features = new List<float>();
            var labels = new List<float>();
            var starts = new List<int> { 0 };
            var relevant = new List<int>();
            for (var g = 0; g < 300; g++)
            {
                var count = 0;
                for (var r = 0; r < 30; r++)
                {
                    var (a, b) = (random.NextSingle(), random.NextSingle());
                    var label = (a > 0.5f) == (b > 0.5f) ^ (random.NextDouble() < 0.1);
                    features.AddRange([a, b]);
                    labels.Add(label ? 1 : 0);
                    count += label ? 1 : 0;
                }

                starts.Add(labels.Count);
                relevant.Add(count);
            }

            return new RankingRows([.. features], 2, [.. starts], [.. labels], [.. relevant]);
        }

        var train = Groups(1);
        var held = Groups(2);
        var trees = RankingTrees.Train(train, new TreeSettings(Trees: 50, LearningRate: 0.1f, Depth: 3, MinLeafRows: 20));
        var scores = new float[held.Count];
        for (var r = 0; r < held.Count; r++)
        {
            scores[r] = trees.Predict(held.Features.AsSpan(r * 2, 2));
        }

        var chance = held.Ndcg(new float[held.Count], 10);
        var learned = held.Ndcg(scores, 10);
        Assert.True(learned > 0.8 && learned > chance + 0.2, $"NDCG@10 {learned:F3} with trees vs {chance:F3} in the rows' order");
    }

    [Fact]
    public void The_reranked_engine_is_at_least_as_good_on_valid_as_the_blend_it_reorders()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(7), Protocol.General, 2020));
        var selection = new ModelSelection(set);

        var blend = selection.Tune("engine").Valid["ndcg@10"];
        var reranked = selection.Tune("rerank");

        Assert.True(reranked.Valid["ndcg@10"] >= blend - 1e-9, $"rerank {reranked.Valid["ndcg@10"]:F4} vs blend {blend:F4}");
        Assert.True(Evaluator.Evaluate(reranked.Scorer, set, Stage.Test)["ndcg@10"] > 0.2);
    }

    [Fact]
    public void Transition_learns_what_comes_next()
    {
        var set = new EvaluationSet("chains", Protocol.Sequential, Split.Make(Chains(2), Protocol.Sequential, 1));

        var pop = TestNdcg(new PopularityScorer(), set);
        var next = TestNdcg(new TransitionScorer(Window: 1, Backward: 0, Recent: 1), set);

        Assert.True(next > 0.9, $"transition NDCG@10 {next:F3}");
        Assert.True(pop < 0.2, $"popularity NDCG@10 {pop:F3}");
    }

    [Fact]
    public void Gap_scorer_names_the_item_missing_between_two_neighbours()
    {
        var set = new EvaluationSet("chains", Protocol.General, Split.Make(Chains(3), Protocol.General, 5));
        var gap = TestNdcg(new GapScorer(Window: 1, StepDecay: 1, Smoothing: 0), set);
        Assert.True(gap > 0.8, $"gap NDCG@10 {gap:F3}");
    }

    [Fact]
    public void Without_memory_for_its_user_by_user_matrices_the_engine_blends_without_infinite_autoencoder()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(4), Protocol.General, 2020));

        var roomy = new ModelSelection(set);

        // Room for the item × item matrices, not for the user × user ones.
        var itemBytes = ModelSelection.ItemByItemBytes(set.ItemCount);
        Assert.True(InfiniteAutoencoderScorer.FitBytes(set.UserIds.Length, set.ItemCount) > itemBytes);
        var tight = new ModelSelection(set, memoryBytes: itemBytes);

        Assert.Contains("infae", roomy.Sources);
        Assert.Empty(roomy.LeftOutSources);
        Assert.DoesNotContain("infae", tight.Sources);
        Assert.Equal(ModelSelection.EngineSources.Length - 1, tight.Sources.Length);
        Assert.Contains("user × user", Assert.Single(tight.LeftOutSources).Reason, StringComparison.Ordinal);
        var engine = tight.Tune("engine");
        Assert.DoesNotContain("infae", engine.Settings, StringComparison.Ordinal);
        Assert.True(engine.Valid["ndcg@10"] > tight.Tune("pop").Valid["ndcg@10"]);
    }

    [Fact]
    public void Without_memory_for_every_valid_users_scores_the_blend_learns_its_weights_on_a_fixed_sample_of_them()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(4), Protocol.General, 2020));
        var valid = set.Users(Stage.Valid);
        var sources = ModelSelection.EngineSources.Length;

        // Room for every source's matrices, not for the scores of every valid user.
        var memory = Math.Max(ModelSelection.ItemByItemBytes(set.ItemCount), InfiniteAutoencoderScorer.FitBytes(set.UserIds.Length, set.ItemCount));
        var fit = (int)(memory / 3 / ModelSelection.BlendBytesPerUser(sources, set.ItemCount));
        Assert.InRange(fit, 10, valid.Length / 2);
        var tight = new ModelSelection(set, memoryBytes: memory);
        Assert.Empty(tight.LeftOutSources);

        var sample = tight.BlendUsers(sources, memory);
        Assert.Equal(fit, sample.Length);
        Assert.Equal(sample, new ModelSelection(set).BlendUsers(sources, memory));
        Assert.Equal(sample.Order(), sample);
        Assert.Subset(valid.ToHashSet(), sample.ToHashSet());
        Assert.Equal(valid, new ModelSelection(set).BlendUsers(sources));

        var engine = tight.Tune("engine");
        Assert.StartsWith($"weights learned on {sample.Length} of the {valid.Length} valid users", engine.Settings, StringComparison.Ordinal);
        Assert.True(engine.Valid["ndcg@10"] > tight.Tune("pop").Valid["ndcg@10"], $"engine {engine.Valid["ndcg@10"]:F4}");
    }

    [Fact]
    public void Without_memory_for_item_by_item_matrices_the_engine_still_blends_the_sources_that_fit()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(4), Protocol.General, 2020));

        var tight = new ModelSelection(set, memoryBytes: 1024);

        Assert.All(ModelSelection.ItemByItem.Where(ModelSelection.EngineSources.Contains), s => Assert.DoesNotContain(s, tight.Sources));
        Assert.Contains("bpr", tight.Sources);
        Assert.Contains("userknn", tight.Sources);
        Assert.Equal(ModelSelection.EngineSources.Length, tight.Sources.Length + tight.LeftOutSources.Count);
        Assert.Contains(tight.LeftOutSources, s => s.Name == "ease" && s.Reason.Contains("item × item", StringComparison.Ordinal));
        var engine = tight.Tune("engine");
        Assert.True(engine.Valid["ndcg@10"] > tight.Tune("pop").Valid["ndcg@10"], $"engine {engine.Valid["ndcg@10"]:F4}");
    }

    [Fact]
    public void A_search_whose_fits_grow_with_a_cube_stops_when_its_time_is_up_and_the_engine_leaves_out_what_would_not_fit_once()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(4), Protocol.General, 2020));
        var items = set.ItemCount;

        // A machine on which one EASE fit takes ten seconds, and a budget of 25 seconds: two fits.
        var rate = SearchCost.EstimatedFitSeconds("ease", set.UserIds.Length, items, 1) / 10;
        Assert.Equal(10, SearchCost.EstimatedFitSeconds("ease", set.UserIds.Length, items, rate), precision: 6);
        var slow = new ModelSelection(set, sourceBudget: TimeSpan.FromSeconds(25), inverseRate: rate);

        var ease = slow.Tune("ease");
        Assert.EndsWith("(search stopped after 2 fits: 25 s allowed)", ease.Settings, StringComparison.Ordinal);
        Assert.True(ease.Valid["ndcg@10"] > slow.Tune("pop").Valid["ndcg@10"]);

        // ∞-AE over 300 users and the low-pass filter's decomposition cost more than the budget in one go: left out
        // of the engine, each with its estimate; EASE, of which two fits fit, stays.
        Assert.Contains("ease", slow.Sources);
        Assert.Equal(["infae", "lowpass"], slow.LeftOutSources.Select(s => s.Name));
        Assert.All(slow.LeftOutSources, s => Assert.StartsWith("one fit would take about", s.Reason, StringComparison.Ordinal));

        // A full search where time allows, as before.
        var quick = new ModelSelection(set, sourceBudget: TimeSpan.FromHours(1), inverseRate: rate * 1000);
        Assert.DoesNotContain("stopped", quick.Tune("ease").Settings, StringComparison.Ordinal);
        Assert.Empty(quick.LeftOutSources);

        // Costs that grow with a cube: twice the items, eight times the time; nothing for the other sources.
        Assert.Equal(8 * SearchCost.EstimatedSeconds("ease", 300, 1_000, 1e9), SearchCost.EstimatedSeconds("ease", 300, 2_000, 1e9), precision: 6);
        Assert.Equal(8 * SearchCost.EstimatedSeconds("infae", 1_000, 50, 1e9), SearchCost.EstimatedSeconds("infae", 2_000, 50, 1e9), precision: 6);
        Assert.Equal(0, SearchCost.EstimatedSeconds("itemknn", 100_000, 100_000, 1e9));
    }

    [Fact]
    public void Every_search_stops_when_its_time_is_up_and_keeps_the_best_setting_so_far()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(4), Protocol.General, 2020));
        var hurried = new ModelSelection(set, sourceBudget: TimeSpan.FromMilliseconds(1), inverseRate: 1e12);
        var unhurried = new ModelSelection(set);

        var knn = hurried.Tune("itemknn");
        Assert.EndsWith("(search stopped after 1 fit: 0 s allowed)", knn.Settings, StringComparison.Ordinal);
        Assert.DoesNotContain("stopped", unhurried.Tune("itemknn").Settings, StringComparison.Ordinal);
        Assert.True(knn.Valid["ndcg@10"] > hurried.Tune("pop").Valid["ndcg@10"]);

        // BPR checks valid every ten epochs: one check per regularisation, then its time is up.
        var bpr = hurried.Tune("bpr");
        Assert.Contains("epochs=10 (stopped at its time", bpr.Settings, StringComparison.Ordinal);
        Assert.DoesNotContain("stopped", unhurried.Tune("bpr").Settings, StringComparison.Ordinal);
    }

    [Fact]
    public void The_learned_blend_is_at_least_as_good_on_valid_as_its_best_source_and_the_report_has_the_protocol_keys()
    {
        var set = new EvaluationSet("clustered", Protocol.General, Split.Make(Clustered(4), Protocol.General, 2020));

        var report = OfflineEvaluation.Run(set, ["pop", "ease", "engine"]);

        var engine = report.Results.Single(r => r.Model == "engine");
        var bestSource = ModelSelection.EngineSources.Max(s => new ModelSelection(set).Tune(s).Valid["ndcg@10"]);
        Assert.True(engine.Valid["ndcg@10"] >= bestSource - 1e-9, $"engine {engine.Valid["ndcg@10"]:F4} vs best source {bestSource:F4}");
        Assert.True(engine.Test["ndcg@10"] > report.Results.Single(r => r.Model == "pop").Test["ndcg@10"]);

        var path = Path.Combine(Path.GetTempPath(), "reeltime-results-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            report.Write(path);
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var root = json.RootElement;
            Assert.Equal("general", root.GetProperty("protocol").GetString());
            Assert.Equal("clustered", root.GetProperty("dataset").GetString());
            var first = root.GetProperty("results")[0];
            Assert.Equal(["model", "valid", "test", "trainSeconds", "scoreSeconds"], first.EnumerateObject().Select(p => p.Name));
            Assert.Equal("pop", first.GetProperty("model").GetString());
            Assert.True(first.GetProperty("test").GetProperty("coverage@10").GetDouble() > 0);
            Assert.True(first.GetProperty("test").TryGetProperty("precision@20", out _));

            var chart = Path.ChangeExtension(path, ".png");
            ResultsChart.Write(report, chart);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(chart)[..4]);
            File.Delete(chart);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
