using MathNet.Numerics.LinearAlgebra.Double;

namespace Reeltime.Recommendation.Offline;

/// <summary>
/// EASE (Steck, 2019): the item × item weights B that best rebuild every user's engagement row from the
/// user's other engagements, with an L2 penalty <see cref="Lambda"/> and a zero diagonal. It has a closed
/// form, B = I - P / diag(P) with P = (XᵀX + λI)⁻¹: one dense inverse of the item Gram matrix.
/// </summary>
/// <remarks>
/// Two refinements, each off at 0: <see cref="Emphasis"/> adds to item i's penalty a multiple of its own
/// engagement count, which is the closed form of training with dropout on the input (Steck, 2020, "EDLAE"),
/// so popular items are penalised in proportion; <see cref="UserWeightExponent"/> lets users with long
/// histories count less in the Gram matrix.
/// </remarks>
/// <param name="Lambda">L2 penalty; larger values trust co-engagement of rare items less.</param>
/// <param name="Emphasis">Dropout-style penalty per unit of an item's own engagement weight.</param>
/// <param name="UserWeightExponent">Each user's rows weigh (number of items)^-exponent.</param>
public sealed record EaseScorer(double Lambda = 250, double Emphasis = 0, double UserWeightExponent = 0) : IItemScorer
{
    private ItemMatrix weights = new(0);

    /// <inheritdoc />
    public string Name => "ease";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        var n = log.ItemCount;
        var gram = ItemMatrix.CoEngagement(log, UserWeightExponent);
        var g = new DenseMatrix(n, n);
        for (var i = 0; i < n; i++)
        {
            var row = gram.Row(i);
            for (var j = 0; j < n; j++)
            {
                g[i, j] = row[j];
            }

            g[i, i] += Lambda + (Emphasis * row[i]);
        }

        // The Gram matrix plus λI is symmetric positive definite, so Cholesky is the stable, cheap factorisation.
        var p = g.Cholesky().Solve(DenseMatrix.CreateIdentity(n));
        var b = new ItemMatrix(n);
        for (var i = 0; i < n; i++)
        {
            var row = b.Row(i);
            for (var j = 0; j < n; j++)
            {
                row[j] = i == j ? 0 : (float)(-p[i, j] / p[j, j]);
            }
        }

        weights = b;
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        scores.Clear();
        foreach (var item in history.Items.Distinct())
        {
            weights.AddRow(item, 1, scores);
        }
    }
}
