namespace Reeltime.Recommendation.Offline;

/// <summary>
/// Two stages: a weighted blend of sources picks each user's <see cref="Candidates"/> best unseen items,
/// then <see cref="RankingTrees"/> order them from features of every source (score and rank), the blend,
/// the item's popularity and the user's activity, so that how much a source is trusted can depend on the
/// user and the item, which a fixed blend cannot do. Items outside the candidates rank below them.
/// </summary>
public sealed class RerankedScorer : IItemScorer
{
    private readonly (IItemScorer Source, float Weight)[] sources;
    private float[] popularity = [];

    /// <summary>Creates the scorer; sources with weight 0 still give features.</summary>
    /// <param name="sources">Every source, with its weight in the candidate blend.</param>
    /// <param name="scale">How sources are put on one scale for the candidate blend.</param>
    /// <param name="candidates">Items per user handed to the trees.</param>
    /// <param name="trees">The learned ranker, or <see langword="null"/> while features are being collected.</param>
    public RerankedScorer(IEnumerable<(IItemScorer Source, float Weight)> sources, ScoreScale scale, int candidates, RankingTrees? trees = null)
    {
        this.sources = [.. sources];
        Scale = scale;
        Candidates = candidates;
        Trees = trees;
    }

    /// <summary>How sources are put on one scale for the candidate blend.</summary>
    public ScoreScale Scale { get; }

    /// <summary>Items per user handed to the trees.</summary>
    public int Candidates { get; }

    /// <summary>The learned ranker (settable so that features can be collected before it exists).</summary>
    public RankingTrees? Trees { get; set; }

    /// <summary>The sources and their blend weights.</summary>
    public IReadOnlyList<(IItemScorer Source, float Weight)> Sources => sources;

    /// <summary>Features per candidate: score and rank of each source, of the blend, then popularity and activity.</summary>
    public int FeatureCount => (2 * sources.Length) + 5;

    /// <inheritdoc />
    public string Name => "engine";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        foreach (var (source, _) in sources)
        {
            source.Fit(log);
        }

        FitPopularity(log);
    }

    /// <summary>Learns only the item statistics, for sources that are already fitted on <paramref name="log"/>.</summary>
    public void FitPopularity(InteractionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);

        // Relative to the mean, so that the feature means the same on a log of another size.
        var mean = log.ItemCount == 0 ? 1 : Math.Max(1e-9, (double)log.Interactions.Length / log.ItemCount);
        popularity = [.. log.ItemCounts.Select(c => (float)Math.Log((1 + c) / (1 + mean)))];
    }

    /// <summary>The user's candidates, best first by the blend, and their features (row-major).</summary>
    public (int[] Items, float[] Features) Describe(History history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var n = popularity.Length;
        var seen = new bool[n];
        foreach (var item in history.Items)
        {
            seen[item] = true;
        }

        var standard = new float[sources.Length][];
        var ranks = new float[sources.Length][];
        var blend = new float[n];
        var buffer = new float[n];
        for (var s = 0; s < sources.Length; s++)
        {
            var raw = new float[n];
            sources[s].Source.Score(history, raw);
            if (sources[s].Weight != 0)
            {
                raw.CopyTo(buffer, 0);
                BlendedScorer.Rescale(buffer, seen, Scale);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(buffer, sources[s].Weight, blend, blend);
            }

            ranks[s] = Ranks(raw, seen);
            BlendedScorer.Standardise(raw, seen);
            standard[s] = raw;
        }

        var blendRanks = Ranks(blend, seen);
        var unseen = n - seen.Count(x => x);
        var count = Math.Min(Candidates, unseen);
        var items = new int[count];
        for (var i = 0; i < n; i++)
        {
            var r = (int)blendRanks[i];
            if (!seen[i] && r < count)
            {
                items[r] = i;
            }
        }

        BlendedScorer.Standardise(blend, seen);
        var activity = (float)Math.Log(1 + history.Count);
        var taste = history.Count == 0 ? 0 : history.Items.Average(i => popularity[i]);
        var f = FeatureCount;
        var features = new float[count * f];
        for (var c = 0; c < count; c++)
        {
            var item = items[c];
            var row = features.AsSpan(c * f, f);
            for (var s = 0; s < sources.Length; s++)
            {
                row[2 * s] = standard[s][item];
                row[(2 * s) + 1] = MathF.Log2(1 + ranks[s][item]);
            }

            var o = 2 * sources.Length;
            row[o] = blend[item];
            row[o + 1] = MathF.Log2(1 + c);
            row[o + 2] = popularity[item];
            row[o + 3] = activity;
            row[o + 4] = popularity[item] - taste;
        }

        return (items, features);
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        var (items, features) = Describe(history);
        scores.Fill(-1e30f);
        var f = FeatureCount;
        for (var c = 0; c < items.Length; c++)
        {
            // Without trees the blend's order stands; with them, ties keep it too (the evaluator breaks ties by
            // index, so the blend's order is folded in below the trees' resolution).
            scores[items[c]] = Trees is null ? -c : Trees.Predict(features.AsSpan(c * f, f)) - (1e-6f * c);
        }
    }

    /// <summary>Each unseen item's 0-based rank by score; seen items rank last.</summary>
    private static float[] Ranks(float[] scores, bool[] seen)
    {
        var n = scores.Length;
        var order = new int[n];
        var keys = new float[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
            keys[i] = seen[i] ? float.PositiveInfinity : -scores[i];
        }

        Array.Sort(keys, order);
        var ranks = new float[n];
        for (var r = 0; r < n; r++)
        {
            ranks[order[r]] = r;
        }

        return ranks;
    }
}
