using System.Diagnostics;
using System.Globalization;
using Reeltime.Recommendation.Offline;

namespace Reeltime.Evaluation;

/// <summary>A model fitted on train with hyper-parameters chosen on valid.</summary>
/// <param name="Name">The model's name in reports.</param>
/// <param name="Scorer">The fitted scorer.</param>
/// <param name="Settings">The chosen hyper-parameters, readable.</param>
/// <param name="Valid">Its metrics on valid with those settings.</param>
/// <param name="TrainSeconds">Wall time of the whole selection and fitting.</param>
/// <param name="Fresh">Makes an unfitted scorer with the chosen settings (to fit on other data), when the model can.</param>
public sealed record TunedModel(string Name, IItemScorer Scorer, string Settings, Dictionary<string, double> Valid, double TrainSeconds, Func<IItemScorer>? Fresh = null);

/// <summary>An engine source left out on one data set, and why, in words.</summary>
/// <param name="Name">The source.</param>
/// <param name="Reason">Why, e.g. "its user × user matrices would need about 40 GB".</param>
public sealed record LeftOutSource(string Name, string Reason);

/// <summary>One hyper-parameter and the values tried; <paramref name="Start"/> is the index searched from.</summary>
public sealed record Axis(string Name, double[] Values, int Start = 0);

/// <summary>
/// Chooses each model's hyper-parameters on the validation items by a fixed procedure — coordinate search
/// over a small grid, maximising valid NDCG@10 — so that nothing is set by hand for one data set, and
/// learns the engine's blend the same way. Test items are never looked at here.
/// </summary>
/// <param name="set">The data set and its split.</param>
/// <param name="report">Receives a line per step of the search.</param>
/// <param name="memoryBytes">Memory the dense models may use (by default, what is available to the process).</param>
/// <param name="sourceBudget">
/// Time one model's search may take (default <see cref="DefaultSourceBudget"/>). A search whose fits grow with
/// the cube of the data set's size (EASE, ∞-AE) stops after as many fits as fit in it; the engine leaves out a
/// source of which not even one fit would.
/// </param>
/// <param name="inverseRate">This machine's speed for <see cref="SearchCost"/> (by default measured when first needed).</param>
public sealed class ModelSelection(EvaluationSet set, Action<string>? report = null, long? memoryBytes = null, TimeSpan? sourceBudget = null, double? inverseRate = null)
{
    /// <summary>How long one model's search may take unless told otherwise.</summary>
    public static readonly TimeSpan DefaultSourceBudget = TimeSpan.FromMinutes(30);

    // A rate no machine that runs this falls below: a search that fits the budget even at it needs no measuring.
    private const double SlowestInverseRate = 1e9;
    private const int MostFitsOfASearch = 60;

    private readonly TimeSpan budget = sourceBudget ?? DefaultSourceBudget;
    private readonly (string[] Kept, LeftOutSource[] LeftOut) sourcePlan = PlanSources(set, memoryBytes, sourceBudget ?? DefaultSourceBudget, inverseRate);

    /// <summary>Receives a line per step of the search (settable so that a caller can label lines per model).</summary>
    public Action<string>? Report { get; set; } = report;

    /// <summary>The models that keep dense item × item matrices (the engine and re-ranker through their sources): their memory grows with the catalogue's square.</summary>
    public static readonly string[] ItemByItem = ["ease", "lowpass", "itemknn", "rp3beta", "transition", "gap", "engine", "rerank"];

    /// <summary>Bytes the item × item models hold at once for <paramref name="items"/> items: about eight float matrices and one double matrix.</summary>
    public static long ItemByItemBytes(int items) => 40L * items * items;

    /// <summary>Models that can be asked for, in report order.</summary>
    public static readonly string[] Known = ["pop", "itemknn", "bpr", "ease", "ials", "infae", "lowpass", "rp3beta", "userknn", "transition", "gap", "recentpop", "available", "tags", "engine", "rerank", "foryou"];

    /// <summary>
    /// The sources the engine blends (see <see cref="Sources"/> for one data set). iALS is not among them: with it the learned blend scored lower on ML-100K
    /// valid (0.2625 against 0.2628), its scores being too close to EASE's to add anything. The low-pass filter
    /// is: EASE plus it beat EASE alone on both halves of ML-100K's valid users, each half's choices made on the other.
    /// So is ∞-AE, which alone beat EASE alone on ML-100K's valid users (0.2658 against 0.2587).
    /// </summary>
    public static readonly string[] EngineSources = ["ease", "infae", "lowpass", "rp3beta", "itemknn", "userknn", "bpr", "transition", "gap", "recentpop", "available", "tags", "pop"];

    private const string Objective = "ndcg@10";

    /// <summary>Whether ∞-AE's users × users matrices for <paramref name="set"/> fit in <paramref name="memoryBytes"/> (by default, the memory available to the process).</summary>
    public static bool InfiniteAutoencoderFits(EvaluationSet set, long? memoryBytes = null) =>
        InfiniteAutoencoderScorer.FitBytes(set.UserIds.Length, set.ItemCount) <= (memoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>
    /// The engine's sources for this data set: <see cref="EngineSources"/>, less those whose matrices would not
    /// fit in memory (∞-AE's users × users, the item × item ones) or of which one fit would take longer than the
    /// search's budget, so that the engine still runs on a data set of many users or items.
    /// </summary>
    public string[] Sources => sourcePlan.Kept;

    /// <summary>The engine's sources left out on this data set, and why (memory, or the time of a single fit).</summary>
    public IReadOnlyList<LeftOutSource> LeftOutSources => sourcePlan.LeftOut;

    private static (string[] Kept, LeftOutSource[] LeftOut) PlanSources(EvaluationSet set, long? memoryBytes, TimeSpan budget, double? inverseRate)
    {
        var memory = memoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var (users, items) = (set.UserIds.Length, set.ItemCount);
        var kept = new List<string>();
        var leftOut = new List<LeftOutSource>();
        foreach (var source in EngineSources)
        {
            if (source == "infae" && !InfiniteAutoencoderFits(set, memory))
            {
                leftOut.Add(new(source, string.Create(CultureInfo.InvariantCulture, $"its user × user matrices would need about {InfiniteAutoencoderScorer.FitBytes(users, items) / 1e9:F0} GB")));
            }
            else if (ItemByItem.Contains(source) && ItemByItemBytes(items) > memory)
            {
                leftOut.Add(new(source, string.Create(CultureInfo.InvariantCulture, $"its item × item matrices would need about {ItemByItemBytes(items) / 1e9:F0} GB")));
            }
            else if (FitSeconds(source, users, items, inverseRate, budget) is var fit && fit > budget.TotalSeconds)
            {
                leftOut.Add(new(source, $"one fit would take about {Duration(fit)} here, over the {Duration(budget.TotalSeconds)} a search may take"));
            }
            else
            {
                kept.Add(source);
            }
        }

        return ([.. kept], [.. leftOut]);
    }

    // Seconds of one fit of a cubic source. The machine's speed is measured only when it matters: when even the
    // slowest conceivable machine would finish a whole search (at most about 60 fits) in the budget, the slow
    // estimate is used as it is, so a data set of MovieLens 100K's size never measures.
    private static double FitSeconds(string source, int users, int items, double? inverseRate, TimeSpan budget)
    {
        if (inverseRate is { } given)
        {
            return SearchCost.EstimatedFitSeconds(source, users, items, given);
        }

        var slowest = SearchCost.EstimatedFitSeconds(source, users, items, SlowestInverseRate);
        var fitsOfASearch = source == "lowpass" ? 1 : MostFitsOfASearch; // the low-pass search shares its one decomposition
        return slowest * fitsOfASearch <= budget.TotalSeconds ? slowest : SearchCost.EstimatedFitSeconds(source, users, items, SearchCost.InverseRate);
    }

    /// <summary>
    /// Whether <paramref name="name"/>'s search (or, for the low-pass filter, its one decomposition) is expected
    /// to take longer than the budget here, and how long one fit would take.
    /// </summary>
    public bool MayRunOutOfTime(string name, out double fitSeconds)
    {
        fitSeconds = FitSeconds(name, set.UserIds.Length, set.ItemCount, inverseRate, budget);
        return fitSeconds * SearchCost.FitsOfASearch(name) > budget.TotalSeconds;
    }

    // The most fits of a cubic model's search that its time allows (at least one); unlimited for the others.
    private int FitsAllowed(string name)
    {
        var fit = FitSeconds(name, set.UserIds.Length, set.ItemCount, inverseRate, budget);
        return fit <= 0 ? int.MaxValue : (int)Math.Clamp(Math.Floor(budget.TotalSeconds / fit), 1, int.MaxValue);
    }

    private static string Duration(double seconds) => seconds switch
    {
        < 90 => string.Create(CultureInfo.InvariantCulture, $"{seconds:F0} s"),
        < 5400 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:F0} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:F1} h"),
    };

    private static readonly float[] BprRegularisation = [0.002f, 0.01f, 0.03f];
    private readonly Dictionary<string, TunedModel> tuned = new(StringComparer.Ordinal);
    private readonly int[] validUsers = set.Users(Stage.Valid);
    private (ScoreScale Scale, double[] Weights)? blendWeights;

    /// <summary>Selects and fits <paramref name="name"/> (one of <see cref="Known"/>), reusing earlier work.</summary>
    public TunedModel Tune(string name)
    {
        if (tuned.TryGetValue(name, out var done))
        {
            return done;
        }

        // The engine's time includes its sources' selection, also when they were selected earlier for their own rows.
        var earlier = name switch
        {
            "engine" => Sources.Where(tuned.ContainsKey).Sum(s => tuned[s].TrainSeconds),
            "rerank" => tuned.TryGetValue("engine", out var blend) ? blend.TrainSeconds : Sources.Where(tuned.ContainsKey).Sum(s => tuned[s].TrainSeconds),
            _ => 0,
        };
        var clock = Stopwatch.StartNew();
        var (scorer, settings, valid, fresh) = name switch
        {
            "pop" => Popularity(),
            "itemknn" => Search(
                [new("neighbours", [50, 100, 200, 400, 800], 1), new("shrink", [0, 10, 50])],
                p => new ItemKnnScorer((int)p[0], (float)p[1])),
            "bpr" => BprRegularisation.Select(r => EarlyStopped(new BprScorer(Regularisation: r), budget / BprRegularisation.Length)).MaxBy(t => t.Item3[Objective]),
            "ease" => Search(
                [new("lambda", [10, 25, 50, 100, 200, 400, 800, 1600, 3200], 4), new("emphasis", [0, 0.05, 0.1, 0.2, 0.4, 0.8]), new("userWeightExponent", [0, 0.25])],
                p => new EaseScorer(p[0], p[1], p[2]),
                FitsAllowed(name)),
            "rp3beta" => Search(
                [new("alpha", [0.4, 0.6, 0.8, 1.0, 1.2], 3), new("beta", [0, 0.2, 0.35, 0.5, 0.7], 2), new("neighbours", [50, 100, 200, 400, 800], 2)],
                p => new Rp3BetaScorer((float)p[0], (float)p[1], (int)p[2])),
            "transition" => Search(
                [
                    new("window", [1, 2, 3, 5, 8, 13, 21], 3), new("stepDecay", [0.5, 0.7, 0.85, 1], 1), new("backward", [0, 0.25, 0.5, 1], 2),
                    new("recent", [1, 3, 5, 10, 20, 40], 3), new("recencyDecay", [0.3, 0.5, 0.7, 0.85, 1], 2), new("normalisation", [0, 0.25, 0.5, 0.75, 1], 2),
                ],
                p => new TransitionScorer((int)p[0], (float)p[1], (float)p[2], (int)p[3], (float)p[4], (float)p[5])),

            // Protocol B asks for the next item after the history, so only the past of the user's latest
            // engagement may count as "recent"; protocol A's held-out items are spread over the user's whole
            // active period, so the anchor is a hyper-parameter there.
            "recentpop" => Search(
                [
                    new("halfLifeDays", [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128], 4),
                    new("anchor", set.Protocol == Protocol.Sequential ? [(double)RecencyAnchor.Latest] : [(double)RecencyAnchor.Latest, (double)RecencyAnchor.Activity]),
                ],
                p => new RecentPopularityScorer(p[0], (RecencyAnchor)(int)p[1])),
            "userknn" => Search(
                [new("neighbours", [25, 50, 100, 200, 400], 2), new("sharpness", [1, 2, 3], 0)],
                p => new UserKnnScorer((int)p[0], (float)p[1])),
            "gap" => Search(
                [new("window", [1, 2, 3, 5], 1), new("stepDecay", [0.3, 0.5, 0.8], 1), new("smoothing", [0, 5, 20], 1)],
                p => new GapScorer((int)p[0], (float)p[1], (float)p[2])),
            "available" => Search([new("anchor", [(double)RecencyAnchor.Available])], p => new RecentPopularityScorer(1, (RecencyAnchor)(int)p[0])),
            "tags" => Search([new("smoothing", [1, 5, 20, 100], 1)], p => new TagAffinityScorer((float)p[0])),
            "ials" => Search(
                [
                    new("factors", [32, 64, 128, 256], 2), new("unobserved", [0.02, 0.05, 0.1, 0.2, 0.4], 3),
                    new("regularisation", [0.03, 0.1, 0.2, 0.3, 0.5, 1], 3), new("frequencyExponent", [0, 0.5, 1], 1),
                ],
                p => new IalsScorer((int)p[0], p[1], p[2], FrequencyExponent: p[3])),
            "infae" => Search(
                [new("depth", [1, 2, 3, 4, 5, 6], 3), new("ridge", [0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5], 3)],
                p => new InfiniteAutoencoderScorer((int)p[0], p[1]),
                FitsAllowed(name)),
            "lowpass" => Search([new("rank", [16, 32, 64, 128, 256], 2)], p => new LowPassScorer((int)p[0])),
            // The live engine with a deployment's defaults: nothing is chosen here. Its time constants made 10, 100
            // or 1,000 times as long (a film catalogue's pace) moved ML-100K's valid NDCG@10 by under 0.001.
            "foryou" => Search(
                [new("servedPerEngagement", [4])],
                p => new ForYouEngineScorer(servedPerEngagement: (int)p[0], later: set.Protocol == Protocol.Sequential ? set.ValidInteractions : null)),
            "engine" => Blend(),
            "rerank" => Rerank(),
            _ => throw new ArgumentException($"Unknown model '{name}'. Known: {string.Join(", ", Known)}.", nameof(name)),
        };

        var model = new TunedModel(name, scorer, settings, valid, earlier + clock.Elapsed.TotalSeconds, fresh);
        tuned[name] = model;
        Report?.Invoke($"{name}: {settings} → valid NDCG@10 {valid[Objective]:F4}");
        return model;
    }

    private (IItemScorer, string, Dictionary<string, double>, Func<IItemScorer>?) Popularity()
    {
        var scorer = new PopularityScorer();
        scorer.Fit(set.Train);
        return (scorer, "-", Evaluator.Evaluate(scorer, set, Stage.Valid), () => new PopularityScorer());
    }

    /// <summary>
    /// Coordinate search: each axis in turn, every value with the others held, until a pass changes nothing, or
    /// until <paramref name="maxFits"/> settings have been fitted or the search's time is up (the best so far is
    /// kept, and the settings say so). Only data sets far larger than MovieLens 1M come near the time.
    /// </summary>
    private (IItemScorer, string, Dictionary<string, double>, Func<IItemScorer>?) Search(Axis[] axes, Func<double[], IItemScorer> make, int maxFits = int.MaxValue)
    {
        var seen = new Dictionary<string, double>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var fits = 0;
        var cut = false;
        var position = axes.Select(a => a.Start).ToArray();
        IItemScorer? best = null;
        Dictionary<string, double>? bestMetrics = null;
        var bestValue = double.NegativeInfinity;

        double Try(int[] at)
        {
            var key = string.Join(',', at);
            if (seen.TryGetValue(key, out var known))
            {
                return known;
            }

            if (fits == maxFits || (fits > 0 && clock.Elapsed >= budget))
            {
                cut = true;
                return double.NegativeInfinity;
            }

            fits++;
            var scorer = make([.. at.Select((v, a) => axes[a].Values[v])]);
            scorer.Fit(set.Train);
            var metrics = Evaluator.Evaluate(scorer, set, Stage.Valid);
            var value = metrics[Objective];
            seen[key] = value;
            Report?.Invoke($"  {scorer.Name} {Describe(axes, at)}: {value:F4}");
            if (value > bestValue)
            {
                (best, bestMetrics, bestValue) = (scorer, metrics, value);
            }

            return value;
        }

        var current = Try(position);
        for (var pass = 0; pass < 4; pass++)
        {
            var moved = false;
            for (var a = 0; a < axes.Length; a++)
            {
                for (var v = 0; v < axes[a].Values.Length; v++)
                {
                    var at = (int[])position.Clone();
                    at[a] = v;
                    var value = Try(at);
                    if (value > current + 1e-9)
                    {
                        (position, current, moved) = (at, value, true);
                    }
                }
            }

            if (!moved || cut)
            {
                break;
            }
        }

        var chosen = position.Select((v, a) => axes[a].Values[v]).ToArray();
        var settings = Describe(axes, position) + (cut ? string.Create(CultureInfo.InvariantCulture, $" (search stopped after {fits} fit{(fits == 1 ? "" : "s")}: {Duration(budget.TotalSeconds)} allowed)") : "");
        return (best!, settings, bestMetrics!, () => make(chosen));
    }

    /// <summary>
    /// BPR: train ten epochs at a time, keep the best on valid, stop after three checks without gain or when
    /// <paramref name="allowed"/> is up (on MovieLens 10M's size ten epochs and a check take about two minutes).
    /// </summary>
    private (IItemScorer, string, Dictionary<string, double>, Func<IItemScorer>?) EarlyStopped(BprScorer bpr, TimeSpan allowed)
    {
        var clock = Stopwatch.StartNew();
        bpr.Start(set.Train);
        var best = bpr.Snapshot();
        Dictionary<string, double>? bestMetrics = null;
        var bestValue = double.NegativeInfinity;
        var stale = 0;
        var timedOut = false;
        while (bpr.EpochsTrained < 400 && stale < 3 && !(timedOut = bestMetrics is not null && clock.Elapsed >= allowed))
        {
            bpr.Train(10);
            var metrics = Evaluator.Evaluate(bpr, set, Stage.Valid);
            Report?.Invoke($"  bpr epoch {bpr.EpochsTrained}: {metrics[Objective]:F4}");
            if (metrics[Objective] > bestValue)
            {
                (best, bestMetrics, bestValue, stale) = (bpr.Snapshot(), metrics, metrics[Objective], 0);
            }
            else
            {
                stale++;
            }
        }

        bpr.Restore(best);
        var epochs = bpr.EpochsTrained;
        return (
            bpr,
            string.Create(CultureInfo.InvariantCulture, $"factors={bpr.Factors}, regularisation={bpr.Regularisation}, epochs={epochs}")
                + (timedOut ? string.Create(CultureInfo.InvariantCulture, $" (stopped at its time: {Duration(allowed.TotalSeconds)} allowed)") : ""),
            bestMetrics!,
            () => bpr with { Epochs = epochs });
    }

    /// <summary>
    /// The engine: every source tuned on its own, then the blend weights by coordinate search on valid
    /// NDCG@10 over the sources' standardised scores (computed once per source).
    /// </summary>
    private (IItemScorer, string, Dictionary<string, double>, Func<IItemScorer>?) Blend()
    {
        var sources = Sources.Select(Tune).ToArray();
        var users = BlendUsers(sources.Length, memoryBytes);
        var sampled = users.Length < validUsers.Length
            ? string.Create(CultureInfo.InvariantCulture, $"weights learned on {users.Length:N0} of the {validUsers.Length:N0} valid users, drawn at random (all of them would need {BlendBytesPerUser(sources.Length, set.ItemCount) * validUsers.Length / 1e9:F0} GB); ")
            : "";
        if (sampled.Length > 0)
        {
            Report?.Invoke("  blend: " + sampled.TrimEnd(' ', ';'));
        }

        var raw = sources.Select(m => Evaluator.ScoreAll(m.Scorer, set, Stage.Valid, users)).ToArray();
        (ScoreScale Scale, double[] Weights, double Value)? best = null;
        foreach (var scale in Enum.GetValues<ScoreScale>())
        {
            var (weights, value) = LearnWeights(sources, raw, scale, users);
            Report?.Invoke($"  blend on {scale} scale: {value:F4} with {DescribeWeights(sources, weights)}");
            if (best is null || value > best.Value.Value)
            {
                best = (scale, weights, value);
            }
        }

        var (chosen, chosenWeights, _) = best!.Value;
        var engine = new BlendedScorer(sources.Select((m, s) => (m.Scorer, (float)chosenWeights[s])), chosen);
        var settings = sampled + $"{chosen} scale: " + DescribeWeights(sources, chosenWeights) + "; "
            + string.Join("; ", sources.Where((_, s) => chosenWeights[s] != 0).Select(m => $"{m.Name}: {m.Settings}"));
        blendWeights = (chosen, chosenWeights);
        return (engine, settings, Evaluator.Evaluate(engine, set, Stage.Valid), null);
    }

    /// <summary>
    /// The engine's blend picks candidates, and ranking trees trained on a holdout carved out of train reorder
    /// them. The sources are fitted again on train without the holdout, the holdout labels their
    /// candidates, and the trees learn to order those; the trees are then applied to the sources fitted on the
    /// whole of train, and the number of trees (and their size) is chosen on valid. When no tree setting beats
    /// the blend on valid, the blend itself is returned. Measured on ML-100K it did not pay off (docs/benchmarks.md).
    /// </summary>
    private (IItemScorer, string, Dictionary<string, double>, Func<IItemScorer>?) Rerank()
    {
        var linear = Tune("engine");
        var sources = Sources.Select(Tune).ToArray();
        var (scale, weights) = blendWeights!.Value;
        var parts = sources.Select((m, s) => (m.Scorer, (float)weights[s])).ToArray();
        var full = new RerankedScorer(parts, scale, RerankCandidates);
        full.FitPopularity(set.Train);
        var validRows = Rows(full, validUsers, u => set.History(u, Stage.Valid), u => set.Targets(u, Stage.Valid));
        Report?.Invoke(string.Create(CultureInfo.InvariantCulture, $"  rerank: blend's top {RerankCandidates} hold {validRows.Labels.Sum() / validRows.Relevant.Sum():P1} of valid items"));

        var (inner, heldOut) = Holdout(set.Train, u => set.Targets(u, Stage.Valid).Length);
        var innerScorer = new RerankedScorer(sources.Select((m, s) => ((m.Fresh ?? throw new InvalidOperationException($"{m.Name} cannot be refitted"))(), (float)weights[s])), scale, RerankCandidates);
        innerScorer.Fit(inner);
        var holdoutUsers = Enumerable.Range(0, inner.UserCount).Where(u => heldOut[u].Length > 0).ToArray();
        var trainRows = Rows(innerScorer, holdoutUsers, u => inner.Histories[u], u => heldOut[u]);

        (RankingTrees Trees, double Value)? best = null;
        foreach (var settings in TreeGrid)
        {
            var scores = new float[validRows.Count];
            (int Trees, double Value) top = (0, double.NegativeInfinity);
            var trees = RankingTrees.Train(trainRows, settings, model =>
            {
                model.AddLatest(validRows, scores);
                if (model.TreeCount % 10 == 0)
                {
                    var value = validRows.Ndcg(scores, 10);
                    if (value > top.Value)
                    {
                        top = (model.TreeCount, value);
                    }
                }
            });
            trees.Truncate(top.Trees);
            Report?.Invoke(string.Create(CultureInfo.InvariantCulture, $"  rerank {settings}: {top.Value:F4} at {top.Trees} trees"));
            if (best is null || top.Value > best.Value.Value)
            {
                best = (trees, top.Value);
            }
        }

        if (best is null || best.Value.Value <= linear.Valid[Objective])
        {
            return (linear.Scorer, "blend (no tree setting beat it on valid): " + linear.Settings, linear.Valid, null);
        }

        full.Trees = best.Value.Trees;
        var chosen = best.Value.Trees.Settings with { Trees = best.Value.Trees.TreeCount };
        return (full, $"ranking trees ({chosen}) over the blend's top {RerankCandidates}; blend: {linear.Settings}", Evaluator.Evaluate(full, set, Stage.Valid), null);
    }

    private const int RerankCandidates = 150;

    /// <summary>The most moves of one stage of the blend's search (each move changes one weight).</summary>
    private const int MaxBlendSteps = 40;

    private static readonly TreeSettings[] TreeGrid =
    [
        new(Trees: 400, LearningRate: 0.05f, Depth: 4, MinLeafRows: 200),
        new(Trees: 400, LearningRate: 0.05f, Depth: 6, MinLeafRows: 200),
    ];

    /// <summary>Candidates and labels of <paramref name="users"/>, one group each.</summary>
    private static RankingRows Rows(RerankedScorer scorer, int[] users, Func<int, History> history, Func<int, int[]> targets)
    {
        var described = new (int[] Items, float[] Features)[users.Length];
        Parallel.For(0, users.Length, k => described[k] = scorer.Describe(history(users[k])));
        var starts = new int[users.Length + 1];
        for (var k = 0; k < users.Length; k++)
        {
            starts[k + 1] = starts[k] + described[k].Items.Length;
        }

        var features = new float[starts[^1] * scorer.FeatureCount];
        var labels = new float[starts[^1]];
        var relevant = new int[users.Length];
        for (var k = 0; k < users.Length; k++)
        {
            var wanted = targets(users[k]).ToHashSet();
            relevant[k] = wanted.Count;
            described[k].Features.CopyTo(features, starts[k] * scorer.FeatureCount);
            for (var c = 0; c < described[k].Items.Length; c++)
            {
                labels[starts[k] + c] = wanted.Contains(described[k].Items[c]) ? 1 : 0;
            }
        }

        return new RankingRows(features, scorer.FeatureCount, starts, labels, relevant);
    }

    /// <summary>
    /// Holds out of each user's train history as many items as <paramref name="size"/> says (the user's valid
    /// count, so that the holdout looks like valid): at random in the general protocol, the latest in the
    /// sequential one. Returns the rest as a log and the held-out items per user.
    /// </summary>
    private (InteractionLog Remaining, int[][] HeldOut) Holdout(InteractionLog train, Func<int, int> size)
    {
        var random = new Random(2020);
        var kept = new List<Interaction>();
        var heldOut = new int[train.UserCount][];
        for (var u = 0; u < train.UserCount; u++)
        {
            var history = train.Histories[u];
            var n = history.Count;
            var take = Math.Min(size(u), n - 1);
            var order = Enumerable.Range(0, n).ToArray();
            if (set.Protocol == Protocol.General)
            {
                random.Shuffle(order);
            }
            else
            {
                Array.Reverse(order);
            }

            var held = take <= 0 ? [] : order[..take].ToHashSet();
            heldOut[u] = [.. held.Select(p => history.Items[p]).Distinct()];
            for (var p = 0; p < n; p++)
            {
                if (!held.Contains(p))
                {
                    kept.Add(new Interaction(u, history.Items[p], history.Times[p]));
                }
            }
        }

        return (new InteractionLog(train.UserCount, train.ItemCount, kept, train.ItemTags), heldOut);
    }

    /// <summary>
    /// Bytes the blend's search holds per valid user: every source's scores for every item, once as computed and
    /// once rescaled, the blend's own, and two flags per item.
    /// </summary>
    public static long BlendBytesPerUser(int sources, int items) => ((2L * sources) + 1) * items * sizeof(float) + (2L * items);

    /// <summary>
    /// The valid users the blend's weights are learned on: all of them when their dense score rows fit in a
    /// third of <paramref name="memoryBytes"/> (by default, the memory available), else as many as fit, drawn
    /// at random with a fixed seed. At MovieLens 10M's size (70,000 users, 10,700 items, eleven sources) all
    /// of them would need about 65 GB, and the search would fail after hours of fitting the sources.
    /// </summary>
    public int[] BlendUsers(int sources, long? memoryBytes = null)
    {
        var memory = memoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var fit = memory / 3 / BlendBytesPerUser(sources, set.ItemCount);
        if (fit >= validUsers.Length)
        {
            return validUsers;
        }

        var sample = (int[])validUsers.Clone();
        new Random(2020).Shuffle(sample);
        var chosen = sample[..(int)Math.Max(1, fit)];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>Coordinate search of the blend weights on one scale, maximising valid NDCG@10 over <paramref name="users"/>.</summary>
    private (double[] Weights, double Value) LearnWeights(TunedModel[] sources, float[][][] raw, ScoreScale scale, int[] users)
    {
        var n = set.ItemCount;
        var scaled = new float[sources.Length][][];
        var excluded = new bool[users.Length][];
        var seen = new bool[users.Length][];
        for (var k = 0; k < users.Length; k++)
        {
            excluded[k] = new bool[n];
            set.MarkExcluded(users[k], Stage.Valid, excluded[k]);
            seen[k] = new bool[n];
            foreach (var item in set.History(users[k], Stage.Valid).Items)
            {
                seen[k][item] = true;
            }
        }

        for (var s = 0; s < sources.Length; s++)
        {
            scaled[s] = new float[users.Length][];
            for (var k = 0; k < users.Length; k++)
            {
                scaled[s][k] = (float[])raw[s][k].Clone();
                BlendedScorer.Rescale(scaled[s][k], seen[k], scale);
            }
        }

        var targets = users.Select(u => set.Targets(u, Stage.Valid).ToHashSet()).ToArray();
        // NDCG@10 over the valid users of the scores that fill(user, buffer) writes.
        double Value(Action<int, float[]> fill)
        {
            var total = 0.0;
            var gate = new object();
            Parallel.For(
                0,
                users.Length,
                () => (Scores: new float[n], Sum: 0.0),
                (k, _, local) =>
                {
                    fill(k, local.Scores);
                    var top = RankingMetrics.Top(local.Scores, excluded[k], 10);
                    Span<double> sums = stackalloc double[RankingMetrics.Names.Length];
                    RankingMetrics.Accumulate(top, targets[k], 10, sums);
                    return (local.Scores, local.Sum + sums[1]);
                },
                local =>
                {
                    lock (gate)
                    {
                        total += local.Sum;
                    }
                });
            return total / users.Length;
        }

        // The current blend's scores per user, so that a trial changing one weight costs one pass over the
        // items rather than one per source (at MovieLens 1M's size the search was most of the engine's time).
        var blended = new float[users.Length][];
        double Settle(double[] weights)
        {
            Parallel.For(0, users.Length, k =>
            {
                var row = blended[k] ??= new float[n];
                Array.Clear(row);
                for (var s = 0; s < sources.Length; s++)
                {
                    if (weights[s] != 0)
                    {
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(scaled[s][k], (float)weights[s], row, row);
                    }
                }
            });
            return Value((k, buffer) => blended[k].CopyTo(buffer, 0));
        }

        double Trial(int source, double change) =>
            Value((k, buffer) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(scaled[source][k], (float)change, blended[k], buffer));

        var weights = new double[sources.Length];
        weights[Array.IndexOf(sources, sources.MaxBy(m => m.Valid[Objective])!)] = 1;
        var current = Settle(weights);

        // Non-negative weights first; negative ones (a source used as a penalty, e.g. popularity) only once
        // the positive blend has settled, so that an early penalty does not trap the search; then a finer
        // multiplicative pass around the weights found.
        double[] positive = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1, 1.4, 2];
        double[] signed = [-0.5, -0.3, -0.2, -0.1, -0.05, .. positive];
        // Each step takes the best single-weight move of all (steepest ascent), not the first that helps in
        // source order: with first-improvement, adding a source to the list changed the path enough to end
        // lower on valid than without it (ML-100K protocol B, 0.1480 against 0.1508).
        foreach (var stage in new[] { 0, 1, 2 })
        {
            for (var step = 0; step < MaxBlendSteps; step++)
            {
                (double[] Weights, double Value)? bestMove = null;
                for (var s = 0; s < sources.Length; s++)
                {
                    double[] values = stage switch
                    {
                        0 => positive,
                        1 => signed,
                        _ => weights[s] == 0 ? [] : [weights[s] * 0.7, weights[s] * 0.85, weights[s] * 1.15, weights[s] * 1.3],
                    };
                    foreach (var w in values)
                    {
                        // Unchanged, or a blend of nothing.
                        if (w == weights[s] || (w == 0 && weights.Where((x, t) => t != s).All(x => x == 0)))
                        {
                            continue;
                        }

                        var value = Trial(s, w - weights[s]);
                        if (value > (bestMove?.Value ?? current) + 1e-6)
                        {
                            var trial = (double[])weights.Clone();
                            trial[s] = w;
                            bestMove = (trial, value);
                        }
                    }
                }

                if (bestMove is not { } move)
                {
                    break;
                }

                // Summed afresh, so the value carried on is the blend's own, not the trial's rounding of it.
                weights = move.Weights;
                current = Settle(weights);
            }
        }

        return (weights, current);
    }

    private static string DescribeWeights(TunedModel[] sources, double[] weights) =>
        string.Join(' ', sources.Select((m, s) => (m.Name, W: weights[s])).Where(p => p.W != 0).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name}×{p.W:0.##}")));

    private static string Describe(Axis[] axes, int[] at) =>
        string.Join(", ", axes.Select((a, i) => string.Create(CultureInfo.InvariantCulture, $"{a.Name}={a.Values[at[i]]:0.###}")));
}
