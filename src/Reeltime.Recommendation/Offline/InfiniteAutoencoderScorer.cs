using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

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
    // The users' cosines do not depend on the depth or the ridge, and at MovieLens 1M's size they cost a third
    // of a fit, so a search over both on one log computes them once. Keyed weakly: a log that is gone frees them.
    private static readonly ConditionalWeakTable<InteractionLog, Basis> Bases = [];

    private Basis basis = Basis.Empty;
    private float[] fitted = [];

    /// <inheritdoc />
    public string Name => "infae";

    /// <summary>Bytes a fit holds at once for <paramref name="users"/> users and <paramref name="items"/> items (the system, its inverse's workspace, the cosines and the fitted rows).</summary>
    public static long FitBytes(int users, int items) => (20L * users * users) + (4L * users * items);

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfNegative(Depth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Ridge);
        basis = Bases.GetValue(log, Basis.Of);
        var users = basis.ItemsOf.Length;
        var itemCount = basis.ItemCount;

        // K + λI from the cached cosines.
        var system = new double[(long)users * users];
        for (var u = 0; u < users; u++)
        {
            var row = system.AsSpan(u * users, users);
            var cosines = basis.Cosines.AsSpan(u * users, users);
            for (var v = 0; v < users; v++)
            {
                row[v] = TangentKernel(cosines[v], Depth);
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
                foreach (var i in basis.ItemsOf[v])
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
        var itemCount = basis.ItemCount;
        var mine = history.Items.Where(i => i >= 0 && i < itemCount).Distinct().ToArray();
        var users = basis.ItemsOf.Length;
        if (mine.Length == 0 || users == 0)
        {
            return;
        }

        if (basis.RowOf(history.User) is var own and >= 0 && mine.Order().SequenceEqual(basis.ItemsOf[own]))
        {
            // The history is the user's row of the log: k(x, X) is K's row, and K(K + λI)⁻¹X = X − λ(K + λI)⁻¹X.
            // The user's own items rank the same either way; the rest is one row instead of a sum over users.
            var ridge = (float)(Ridge * TangentKernel(1, Depth));
            TensorPrimitives.Multiply(fitted.AsSpan(own * itemCount, itemCount), -ridge, scores);
            foreach (var i in mine)
            {
                scores[i] += 1;
            }

            return;
        }

        var overlap = new int[users];
        foreach (var i in mine)
        {
            foreach (var v in basis.Audiences[i])
            {
                overlap[v]++;
            }
        }

        for (var v = 0; v < users; v++)
        {
            var k = (float)TangentKernel(overlap[v] / Math.Sqrt((double)mine.Length * basis.ItemsOf[v].Length), Depth);
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

    /// <summary>The log's users with engagements (each one's distinct items, in order), who engaged with each item, and the users' cosines.</summary>
    private sealed class Basis(int itemCount, int[][] itemsOf, int[][] audiences, float[] cosines, int[] rowOfUser)
    {
        public static readonly Basis Empty = new(0, [], [], [], []);

        public int ItemCount { get; } = itemCount;

        public int[][] ItemsOf { get; } = itemsOf;

        public int[][] Audiences { get; } = audiences;

        public float[] Cosines { get; } = cosines;

        /// <summary>The basis row of a user of the log, or −1 (no engagements, or not the log's user).</summary>
        public int RowOf(int user) => user >= 0 && user < rowOfUser.Length ? rowOfUser[user] : -1;

        public static Basis Of(InteractionLog log)
        {
            var rowOfUser = new int[log.UserCount];
            var itemsOf = new List<int[]>();
            for (var u = 0; u < log.UserCount; u++)
            {
                var items = log.Histories[u].Items.Distinct().Order().ToArray();
                rowOfUser[u] = items.Length == 0 ? -1 : itemsOf.Count;
                if (items.Length > 0)
                {
                    itemsOf.Add(items);
                }
            }

            var users = itemsOf.Count;
            var lists = Enumerable.Range(0, log.ItemCount).Select(_ => new List<int>()).ToArray();
            for (var u = 0; u < users; u++)
            {
                foreach (var i in itemsOf[u])
                {
                    lists[i].Add(u);
                }
            }

            int[][] audiences = [.. lists.Select(l => l.ToArray())];
            var cosines = new float[(long)users * users];
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

                var row = cosines.AsSpan(u * users, users);
                for (var v = 0; v < users; v++)
                {
                    row[v] = (float)(overlap[v] / Math.Sqrt((double)itemsOf[u].Length * itemsOf[v].Length));
                }
            }

            return new Basis(log.ItemCount, [.. itemsOf], audiences, cosines, rowOfUser);
        }
    }
}
