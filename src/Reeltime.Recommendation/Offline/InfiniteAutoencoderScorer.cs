using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Offline;

/// <summary>
/// An autoencoder of infinite width, ∞-AE (Sachdeva, Dhaliwal, Wu and McAuley, 2022): in that limit training a
/// ReLU autoencoder on the users' engagement rows is kernel ridge regression with the network's neural tangent
/// kernel. A history x scores k(x, X) (K + λI)⁻¹ X, where X holds the log's users' rows, K = k(X, X), and the
/// kernel is a fixed non-linear function of two users' cosine. Where EASE is linear in the items a user
/// engaged with, this compares whole histories, so it carries a signal EASE lacks.
/// </summary>
/// <param name="Depth">Hidden layers of the network whose kernel is used (0 is the linear kernel).</param>
/// <param name="Ridge">λ as a share of the kernel's diagonal.</param>
public sealed record InfiniteAutoencoderScorer(int Depth = 4, double Ridge = 1) : IItemScorer
{
    private int[][] audiences = [];
    private int[] itemCounts = [];
    private float[] fitted = [];
    private int itemCount;

    /// <inheritdoc />
    public string Name => "infae";

    /// <summary>Bytes a fit holds at once for <paramref name="users"/> users and <paramref name="items"/> items.</summary>
    public static long FitBytes(int users, int items) => (16L * users * users) + (4L * users * items);

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfNegative(Depth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Ridge);
        itemCount = log.ItemCount;
        var itemsOf = log.Histories.Select(h => h.Items.Distinct().ToArray()).Where(items => items.Length > 0).ToArray();
        var users = itemsOf.Length;
        itemCounts = [.. itemsOf.Select(items => items.Length)];
        var lists = Enumerable.Range(0, itemCount).Select(_ => new List<int>()).ToArray();
        for (var u = 0; u < users; u++)
        {
            foreach (var i in itemsOf[u])
            {
                lists[i].Add(u);
            }
        }

        audiences = [.. lists.Select(l => l.ToArray())];

        // K + λI, from the users' co-engagement counts; a user with no engagements is not a basis row.
        var system = new double[(long)users * users];
        var overlap = new int[users];
        for (var u = 0; u < users; u++)
        {
            Array.Clear(overlap);
            foreach (var i in itemsOf[u])
            {
                foreach (var v in audiences[i])
                {
                    overlap[v]++;
                }
            }

            var row = system.AsSpan(u * users, users);
            for (var v = 0; v < users; v++)
            {
                row[v] = TangentKernel(overlap[v] / Math.Sqrt((double)itemCounts[u] * itemCounts[v]), Depth);
            }

            row[u] += Ridge * TangentKernel(1, Depth);
        }

        SymmetricInverse.Invert(system, users);

        // (K + λI)⁻¹ X, a row per basis user, so scoring a history is one weighted sum of rows.
        fitted = new float[(long)users * itemCount];
        for (var u = 0; u < users; u++)
        {
            var row = fitted.AsSpan(u * itemCount, itemCount);
            var coefficients = system.AsSpan(u * users, users);
            for (var v = 0; v < users; v++)
            {
                var c = (float)coefficients[v];
                foreach (var i in itemsOf[v])
                {
                    row[i] += c;
                }
            }
        }
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(history);
        scores.Clear();
        var mine = history.Items.Where(i => i >= 0 && i < itemCount).Distinct().ToArray();
        if (mine.Length == 0 || itemCounts.Length == 0)
        {
            return;
        }

        var overlap = new int[itemCounts.Length];
        foreach (var i in mine)
        {
            foreach (var v in audiences[i])
            {
                overlap[v]++;
            }
        }

        for (var v = 0; v < itemCounts.Length; v++)
        {
            var k = (float)TangentKernel(overlap[v] / Math.Sqrt((double)mine.Length * itemCounts[v]), Depth);
            TensorPrimitives.MultiplyAdd(fitted.AsSpan(v * itemCount, itemCount), k, scores, scores);
        }
    }

    /// <summary>
    /// The neural tangent kernel of a fully connected ReLU network with <paramref name="depth"/> hidden layers,
    /// at cosine <paramref name="cosine"/> between two inputs of unit length (the recursion of Jacot et al.,
    /// 2018, with the arc-cosine expectations of Cho and Saul, 2009). Depth 0 is the cosine itself.
    /// </summary>
    public static double TangentKernel(double cosine, int depth)
    {
        var sigma = Math.Clamp(cosine, -1, 1);
        var theta = sigma;
        for (var h = 0; h < depth; h++)
        {
            var angle = Math.Acos(Math.Clamp(sigma, -1, 1));
            var derivative = (Math.PI - angle) / Math.PI;
            sigma = (Math.Sqrt(Math.Max(0, 1 - (sigma * sigma))) + ((Math.PI - angle) * sigma)) / Math.PI;
            theta = (theta * derivative) + sigma;
        }

        return theta;
    }
}
