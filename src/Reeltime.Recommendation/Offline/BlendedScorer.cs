using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Offline;

/// <summary>
/// A weighted sum of candidate sources. Each source's scores are first put on one scale per user (mean 0,
/// standard deviation 1 over the items the user has not seen), because the sources' raw scales are
/// unrelated: counts, cosines, regression weights. The weights are learned elsewhere (on held-out data) and
/// published with the model.
/// </summary>
public sealed class BlendedScorer : IItemScorer
{
    private readonly (IItemScorer Source, float Weight)[] parts;

    /// <summary>Blends <paramref name="parts"/>; sources with weight 0 are neither fitted nor run.</summary>
    public BlendedScorer(IEnumerable<(IItemScorer Source, float Weight)> parts)
    {
        this.parts = [.. parts.Where(p => p.Weight != 0)];
    }

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
            Standardise(buffer, seen);
            TensorPrimitives.MultiplyAdd(buffer, weight, scores, scores);
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
