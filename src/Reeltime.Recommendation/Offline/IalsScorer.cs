using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Offline;

/// <summary>
/// Implicit alternating least squares (Hu, Koren and Volinsky, 2008) in the form Rendle et al. (2022,
/// "Revisiting the performance of iALS on item recommendation benchmarks") tuned: every engagement is a 1
/// with weight 1, every (user, item) pair a 0 with the small weight <see cref="Unobserved"/>, and the L2
/// penalty of a vector grows with the number of terms it appears in, (engagements + Unobserved × catalogue)
/// ^ <see cref="FrequencyExponent"/>. Each half-step solves every user's (then item's) least-squares problem
/// by a few conjugate-gradient steps started from the previous vector, which is far cheaper than an exact
/// solve when vectors are long and still converges over the epochs (Takács et al., 2011).
/// </summary>
/// <param name="Factors">Vector length.</param>
/// <param name="Unobserved">Weight of every pair without an engagement (α₀).</param>
/// <param name="Regularisation">L2 weight λ before frequency scaling.</param>
/// <param name="Epochs">Alternations (users then items).</param>
/// <param name="FrequencyExponent">ν: 0 gives every vector the same penalty, 1 scales it with its number of terms.</param>
/// <param name="Seed">Seed of the initial vectors, so that a fit is reproducible.</param>
public sealed record IalsScorer(int Factors = 64, double Unobserved = 0.05, double Regularisation = 0.01, int Epochs = 16, double FrequencyExponent = 1, int Seed = 11) : IItemScorer
{
    private const int ConjugateGradientSteps = 4;
    private float[] users = [];
    private float[] items = [];
    private int[] fittedCounts = [];
    private float[] itemGram = [];
    private int itemCount;

    /// <inheritdoc />
    public string Name => "ials";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        var k = Factors;
        itemCount = log.ItemCount;
        var random = new Random(Seed);
        var scale = 0.1 / Math.Sqrt(k);
        users = new float[log.UserCount * k];
        items = new float[log.ItemCount * k];
        for (var x = 0; x < items.Length; x++)
        {
            items[x] = (float)(Gaussian(random) * scale);
        }

        var itemsOf = log.Histories.Select(h => h.Items.Distinct().ToArray()).ToArray();
        fittedCounts = [.. itemsOf.Select(l => l.Length)];
        var usersOf = Enumerable.Range(0, log.ItemCount).Select(_ => new List<int>()).ToArray();
        for (var u = 0; u < itemsOf.Length; u++)
        {
            foreach (var i in itemsOf[u])
            {
                usersOf[i].Add(u);
            }
        }

        var audiences = usersOf.Select(l => l.ToArray()).ToArray();
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            Solve(users, items, itemsOf, log.ItemCount, ConjugateGradientSteps);
            Solve(items, users, audiences, log.UserCount, ConjugateGradientSteps);
        }

        itemGram = Gram(items, log.ItemCount, k);
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        var k = Factors;
        var user = new float[k];
        var distinct = history.Items.Distinct().ToArray();
        if (history.User >= 0 && history.User < fittedCounts.Length && fittedCounts[history.User] == distinct.Length)
        {
            // The vector fitted on exactly this history.
            users.AsSpan(history.User * k, k).CopyTo(user);
        }
        else if (distinct.Length > 0)
        {
            // Fold in: solve the user's least-squares problem against the fixed item vectors.
            if (history.User >= 0 && history.User < fittedCounts.Length)
            {
                users.AsSpan(history.User * k, k).CopyTo(user);
            }

            SolveOne(user, distinct, items, itemGram, Penalty(distinct.Length, itemCount), 3 * ConjugateGradientSteps);
        }

        for (var i = 0; i < itemCount; i++)
        {
            scores[i] = TensorPrimitives.Dot<float>(user, items.AsSpan(i * k, k));
        }
    }

    private float Penalty(int terms, int otherCount) =>
        (float)(Regularisation * Math.Pow(terms + (Unobserved * otherCount), FrequencyExponent));

    /// <summary>One half-step: every row of <paramref name="target"/> against the fixed <paramref name="fixedSide"/>.</summary>
    private void Solve(float[] target, float[] fixedSide, int[][] engaged, int otherCount, int steps)
    {
        var k = Factors;
        var gram = Gram(fixedSide, otherCount, k);
        for (var r = 0; r < engaged.Length; r++)
        {
            SolveOne(target.AsSpan(r * k, k), engaged[r], fixedSide, gram, Penalty(engaged[r].Length, otherCount), steps);
        }
    }

    /// <summary>
    /// Conjugate gradient on (Σ_{j∈engaged} v_j v_jᵀ + α₀ G + λI) x = Σ_{j∈engaged} v_j, from the current x;
    /// the matrix is never formed, only applied.
    /// </summary>
    private void SolveOne(Span<float> x, int[] engaged, float[] fixedSide, float[] gram, float penalty, int steps)
    {
        var k = Factors;
        Span<float> residual = stackalloc float[k];
        Span<float> direction = stackalloc float[k];
        Span<float> product = stackalloc float[k];
        Apply(x, engaged, fixedSide, gram, penalty, product);
        residual.Clear();
        foreach (var j in engaged)
        {
            TensorPrimitives.Add(residual, fixedSide.AsSpan(j * k, k), residual);
        }

        TensorPrimitives.Subtract(residual, product, residual);
        residual.CopyTo(direction);
        var rr = TensorPrimitives.Dot<float>(residual, residual);
        for (var step = 0; step < steps && rr > 1e-12f; step++)
        {
            Apply(direction, engaged, fixedSide, gram, penalty, product);
            var alpha = rr / TensorPrimitives.Dot<float>(direction, product);
            TensorPrimitives.MultiplyAdd(direction, alpha, x, x);
            TensorPrimitives.MultiplyAdd(product, -alpha, residual, residual);
            var next = TensorPrimitives.Dot<float>(residual, residual);
            TensorPrimitives.MultiplyAdd(direction, next / rr, residual, direction);
            rr = next;
        }
    }

    private void Apply(ReadOnlySpan<float> v, int[] engaged, float[] fixedSide, float[] gram, float penalty, Span<float> result)
    {
        var k = Factors;
        var alpha = (float)Unobserved;
        for (var a = 0; a < k; a++)
        {
            result[a] = (alpha * TensorPrimitives.Dot(gram.AsSpan(a * k, k), v)) + (penalty * v[a]);
        }

        foreach (var j in engaged)
        {
            var row = fixedSide.AsSpan(j * k, k);
            TensorPrimitives.MultiplyAdd(row, TensorPrimitives.Dot(row, v), result, result);
        }
    }

    private static float[] Gram(float[] vectors, int count, int k)
    {
        var gram = new double[k * k];
        for (var r = 0; r < count; r++)
        {
            var row = vectors.AsSpan(r * k, k);
            for (var a = 0; a < k; a++)
            {
                var ra = (double)row[a];
                for (var b = 0; b < k; b++)
                {
                    gram[(a * k) + b] += ra * row[b];
                }
            }
        }

        return [.. gram.Select(g => (float)g)];
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
