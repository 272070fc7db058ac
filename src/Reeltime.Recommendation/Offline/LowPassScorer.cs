using System.Runtime.CompilerServices;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;

namespace Reeltime.Recommendation.Offline;

/// <summary>
/// An ideal low-pass graph filter over items, the second term of GF-CF (Shen et al., 2021): with R̃ the
/// engagement matrix normalised by users' and items' degrees, D_u^-½ R D_i^-½, and U its top
/// <see cref="Rank"/> right singular vectors (the eigenvectors of R̃ᵀR̃ with the largest eigenvalues), a
/// user's engagement row r scores r D_i^-½ U Uᵀ D_i^½. It keeps only the smoothest signals of the
/// co-engagement graph, so it adds to EASE, which models every pair, what the catalogue's broad structure says.
/// </summary>
/// <param name="Rank">Number of eigenvectors kept (at most <see cref="MaxRank"/>).</param>
public sealed record LowPassScorer(int Rank = 64) : IItemScorer
{
    /// <summary>The most eigenvectors any rank keeps; the decomposition is shared by every rank fitted on one log.</summary>
    public const int MaxRank = 256;

    // The eigen-decomposition is the cost of a fit (minutes at a few thousand items) and does not depend on the
    // rank, so a search over ranks on one log decomposes once. Keyed weakly: a log that is gone frees its entry.
    private static readonly ConditionalWeakTable<InteractionLog, Spectrum> Spectra = [];

    private ItemMatrix weights = new(0);

    /// <inheritdoc />
    public string Name => "lowpass";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var n = log.ItemCount;
        var inverseRoot = log.ItemCounts.Select(c => c == 0 ? 0 : 1 / Math.Sqrt(c)).ToArray();

        var spectrum = Spectra.GetValue(log, Decompose);
        var kept = Math.Min(Rank, spectrum.Kept);
        var basis = new double[n * kept];
        for (var i = 0; i < n; i++)
        {
            Array.Copy(spectrum.Vectors, i * spectrum.Kept, basis, i * kept, kept);
        }

        var m = new ItemMatrix(n);
        for (var i = 0; i < n; i++)
        {
            var row = m.Row(i);
            var from = basis.AsSpan(i * kept, kept);
            for (var j = 0; j < n; j++)
            {
                if (inverseRoot[j] == 0)
                {
                    continue;
                }

                double dot = 0;
                var to = basis.AsSpan(j * kept, kept);
                for (var c = 0; c < kept; c++)
                {
                    dot += from[c] * to[c];
                }

                // Row i is what engaging with i adds to every j: d_i^-½ (U Uᵀ)_ij d_j^½.
                row[j] = (float)(dot * inverseRoot[i] / inverseRoot[j]);
            }
        }

        weights = m;
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(history);
        scores.Clear();
        foreach (var item in history.Items.Distinct())
        {
            weights.AddRow(item, 1, scores);
        }
    }

    /// <summary>The top <see cref="MaxRank"/> eigenvectors of R̃ᵀR̃, by descending eigenvalue, row-major (item × vector).</summary>
    private static Spectrum Decompose(InteractionLog log)
    {
        var n = log.ItemCount;
        var inverseRoot = log.ItemCounts.Select(c => c == 0 ? 0 : 1 / Math.Sqrt(c)).ToArray();

        // R̃ᵀR̃ with each user's rows weighted 1 / (their number of items): the co-engagement Gram matrix at
        // user-weight exponent 1, scaled by the items' degrees on both sides.
        var gram = ItemMatrix.CoEngagement(log, userWeightExponent: 1);
        var normalised = new DenseMatrix(n, n);
        for (var i = 0; i < n; i++)
        {
            var row = gram.Row(i);
            for (var j = 0; j < n; j++)
            {
                normalised[i, j] = row[j] * inverseRoot[i] * inverseRoot[j];
            }
        }

        var evd = normalised.Evd(Symmetricity.Symmetric);
        var kept = Math.Min(MaxRank, n);
        var top = Enumerable.Range(0, n).OrderByDescending(c => evd.EigenValues[c].Real).Take(kept).ToArray();
        var vectors = new double[n * kept];
        for (var i = 0; i < n; i++)
        {
            for (var c = 0; c < kept; c++)
            {
                vectors[(i * kept) + c] = evd.EigenVectors[i, top[c]];
            }
        }

        return new Spectrum(vectors, kept);
    }

    private sealed record Spectrum(double[] Vectors, int Kept);
}
