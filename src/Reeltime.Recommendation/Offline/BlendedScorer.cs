using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Offline;

/// <summary>How a source's scores are put on a common scale per user before they are blended.</summary>
public enum ScoreScale
{
    /// <summary>Mean 0 and standard deviation 1 over the items the user has not seen.</summary>
    Standard,

    /// <summary>Divided by the mean of the user's 20 best unseen scores, so the head of every list is near 1.</summary>
    Head,

    /// <summary>Reciprocal rank, 10 / (10 + rank) among unseen items: only the order counts, not the gaps.</summary>
    Rank,
}

/// <summary>
/// A weighted sum of candidate sources. Each source's scores are first put on one scale per user (see
/// <see cref="ScoreScale"/>), because the sources' raw scales are unrelated: counts, cosines, regression
/// weights. The weights are learned elsewhere (on held-out data) and published with the model.
/// </summary>
public sealed class BlendedScorer : IItemScorer
{
    private readonly (IItemScorer Source, float Weight)[] parts;

    /// <summary>Blends <paramref name="parts"/>; sources with weight 0 are neither fitted nor run.</summary>
    public BlendedScorer(IEnumerable<(IItemScorer Source, float Weight)> parts, ScoreScale scale = ScoreScale.Standard)
    {
        this.parts = [.. parts.Where(p => p.Weight != 0)];
        Scale = scale;
    }

    /// <summary>How sources are put on one scale.</summary>
    public ScoreScale Scale { get; }

    /// <inheritdoc />
    public string Name => "engine";

    /// <summary>The sources and their weights.</summary>
    public IReadOnlyList<(IItemScorer Source, float Weight)> Parts => parts;

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        foreach (var (source, _) in parts)
        {
            source.Fit(log);
        }
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        scores.Clear();
        var buffer = new float[scores.Length];
        var seen = new bool[scores.Length];
        foreach (var item in history.Items)
        {
            seen[item] = true;
        }

        foreach (var (source, weight) in parts)
        {
            source.Score(history, buffer);
            Rescale(buffer, seen, Scale);
            TensorPrimitives.MultiplyAdd(buffer, weight, scores, scores);
        }
    }

    /// <summary>Puts <paramref name="scores"/> on the common <paramref name="scale"/>.</summary>
    public static void Rescale(Span<float> scores, ReadOnlySpan<bool> seen, ScoreScale scale)
    {
        switch (scale)
        {
            case ScoreScale.Standard:
                Standardise(scores, seen);
                break;
            case ScoreScale.Head:
                ScaleByHead(scores, seen);
                break;
            default:
                ReciprocalRank(scores, seen);
                break;
        }
    }

    private static void ScaleByHead(Span<float> scores, ReadOnlySpan<bool> seen)
    {
        Standardise(scores, seen);
        var unseen = new List<float>(scores.Length);
        for (var i = 0; i < scores.Length; i++)
        {
            if (!seen[i])
            {
                unseen.Add(scores[i]);
            }
        }

        unseen.Sort();
        var head = unseen.Count == 0 ? 0 : unseen.TakeLast(20).Average();
        if (head > 1e-9)
        {
            TensorPrimitives.Multiply(scores, 1 / head, scores);
        }
    }

    private static void ReciprocalRank(Span<float> scores, ReadOnlySpan<bool> seen)
    {
        var order = new int[scores.Length];
        var keys = new float[scores.Length];
        for (var i = 0; i < scores.Length; i++)
        {
            order[i] = i;
            keys[i] = seen[i] ? float.PositiveInfinity : -scores[i];
        }

        Array.Sort(keys, order);
        for (var r = 0; r < order.Length; r++)
        {
            scores[order[r]] = 10f / (10 + r);
        }
    }

    /// <summary>Rescales <paramref name="scores"/> to mean 0 and standard deviation 1 over the unseen items.</summary>
    public static void Standardise(Span<float> scores, ReadOnlySpan<bool> seen)
    {
        double sum = 0, sumSquares = 0;
        var n = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (!seen[i])
            {
                sum += scores[i];
                sumSquares += (double)scores[i] * scores[i];
                n++;
            }
        }

        if (n == 0)
        {
            return;
        }

        var mean = sum / n;
        var sd = Math.Sqrt(Math.Max(0, (sumSquares / n) - (mean * mean)));
        var scale = sd < 1e-12 ? 0f : (float)(1 / sd);
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = (float)(scores[i] - mean) * scale;
        }
    }
}
