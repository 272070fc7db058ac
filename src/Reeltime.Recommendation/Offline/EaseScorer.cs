namespace Reeltime.Recommendation.Offline;

/// <summary>
/// EASE (Steck, 2019): the item × item weights B that best rebuild every user's engagement row from the
/// user's other engagements, with an L2 penalty <see cref="Lambda"/> and a zero diagonal. It has a closed
/// form, B = I - P / diag(P) with P = (XᵀX + λI)⁻¹: one dense inverse of the item Gram matrix.
/// </summary>
/// <remarks>
/// Three refinements, each off at 0: <see cref="Emphasis"/> adds to item i's penalty a multiple of its own
/// engagement count, which is the closed form of training with dropout on the input (Steck, 2020, "EDLAE"),
/// so popular items are penalised in proportion; <see cref="UserWeightExponent"/> lets users with long
/// histories count less in the Gram matrix; <see cref="PenaltyExponent"/> scales item i's L2 penalty by
/// (its engagement weight / the mean item's)^exponent.
/// </remarks>
/// <param name="Lambda">L2 penalty; larger values trust co-engagement of rare items less.</param>
/// <param name="Emphasis">Dropout-style penalty per unit of an item's own engagement weight.</param>
/// <param name="UserWeightExponent">Each user's rows weigh (number of items)^-exponent.</param>
/// <param name="PenaltyExponent">Item i's penalty is λ · (weight_i / mean weight)^exponent (items without engagements count as one).</param>
public sealed record EaseScorer(double Lambda = 250, double Emphasis = 0, double UserWeightExponent = 0, double PenaltyExponent = 0) : IItemScorer
{
    private ItemMatrix weights = new(0);

    /// <inheritdoc />
    public string Name => "ease";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        var gram = ItemMatrix.CoEngagement(log, UserWeightExponent);
        weights = Solve(gram, Penalties(gram, Lambda, Emphasis, PenaltyExponent));
    }

    /// <summary>Per-item diagonal penalties: λ · (g_ii / mean g_ii)^exponent + emphasis · g_ii.</summary>
    public static double[] Penalties(ItemMatrix gram, double lambda, double emphasis, double exponent)
    {
        ArgumentNullException.ThrowIfNull(gram);
        var n = gram.ItemCount;
        var diagonal = new double[n];
        for (var i = 0; i < n; i++)
        {
            diagonal[i] = gram.Row(i)[i];
        }

        var mean = n == 0 ? 1 : Math.Max(diagonal.Average(), 1e-9);
        var penalties = new double[n];
        for (var i = 0; i < n; i++)
        {
            var scale = exponent == 0 ? 1 : Math.Pow(Math.Max(diagonal[i], 1) / mean, exponent);
            penalties[i] = (lambda * scale) + (emphasis * diagonal[i]);
        }

        return penalties;
    }

    /// <summary>EASE's closed form on <paramref name="gram"/> with <paramref name="penalties"/> added to its diagonal.</summary>
    public static ItemMatrix Solve(ItemMatrix gram, double[] penalties)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(penalties);
        var n = gram.ItemCount;
        var p = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            var row = gram.Row(i);
            for (var j = 0; j < n; j++)
            {
                p[(i * n) + j] = row[j];
            }

            p[(i * n) + i] += penalties[i];
        }

        return SolveInPlace(p, n);
    }

    /// <summary>
    /// EASE's closed form on <paramref name="p"/>, which holds the row-major <paramref name="n"/> × <paramref name="n"/>
    /// Gram matrix with the penalties already on its diagonal, and is overwritten (a caller that fits again and
    /// again can keep one buffer instead of a new large array per fit).
    /// </summary>
    public static ItemMatrix SolveInPlace(double[] p, int n)
    {
        ArgumentNullException.ThrowIfNull(p);

        // The Gram matrix plus a positive diagonal is symmetric positive definite: inverted in place.
        SymmetricInverse.Invert(p, n);
        var b = new ItemMatrix(n);
        for (var i = 0; i < n; i++)
        {
            var row = b.Row(i);
            for (var j = 0; j < n; j++)
            {
                row[j] = i == j ? 0 : (float)(-p[(i * n) + j] / p[(j * n) + j]);
            }
        }

        return b;
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
