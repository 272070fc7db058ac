using MathNet.Numerics.LinearAlgebra.Double;
using Reeltime.Recommendation.Offline;

namespace Reeltime.Recommendation.Tests;

public sealed class InfiniteAutoencoderScorerTests
{
    private static readonly double[] Cosines = [0.0, 0.2, 0.5, 0.8, 1.0];

    [Fact]
    public void The_tangent_kernel_has_its_known_values()
    {
        // Depth 0 is the cosine; at cosine 1 every layer adds one (Θ = depth + 1); one ReLU layer at
        // cosine 0 is the arc-cosine kernel's 1/π (the derivative term vanishes).
        Assert.Equal(0.3, InfiniteAutoencoderScorer.TangentKernel(0.3, 0), 12);
        for (var depth = 0; depth <= 6; depth++)
        {
            Assert.Equal(depth + 1, InfiniteAutoencoderScorer.TangentKernel(1, depth), 9);
        }

        Assert.Equal(1 / Math.PI, InfiniteAutoencoderScorer.TangentKernel(0, 1), 12);

        // Closer histories are more alike at every depth.
        for (var depth = 1; depth <= 4; depth++)
        {
            var values = Cosines.Select(c => InfiniteAutoencoderScorer.TangentKernel(c, depth)).ToArray();
            Assert.True(values.Zip(values.Skip(1)).All(p => p.First < p.Second), $"depth {depth}: {string.Join(", ", values)}");
        }
    }

    [Fact]
    public void Scores_are_the_kernel_ridge_regression_of_the_history_on_the_users_rows()
    {
        // 40 users over 25 items at random; checked against a direct dense solve of k(x, X) (K + λI)⁻¹ X.
        var random = new Random(5);
        const int users = 40, items = 25, depth = 2;
        const double ridge = 0.7;
        var rows = Enumerable.Range(0, users).Select(_ => Enumerable.Range(0, items).Where(_ => random.NextDouble() < 0.25).DefaultIfEmpty(0).ToArray()).ToArray();
        var interactions = rows.SelectMany((r, u) => r.Select((i, k) => new Interaction(u, i, 1000 + k))).ToList();
        var log = new InteractionLog(users, items, interactions);
        var scorer = new InfiniteAutoencoderScorer(depth, ridge);
        scorer.Fit(log);

        double Kernel(int[] a, int[] b) => InfiniteAutoencoderScorer.TangentKernel(a.Intersect(b).Count() / Math.Sqrt(a.Length * (double)b.Length), depth);
        var k = DenseMatrix.Create(users, users, (u, v) => Kernel(rows[u], rows[v]) + (u == v ? ridge * (depth + 1) : 0));
        var x = DenseMatrix.Create(users, items, (u, i) => rows[u].Contains(i) ? 1 : 0);
        var coefficients = k.Solve(x);

        // A history the log does not hold: user 0's items and two more.
        var history = rows[0].Concat([3, 17]).Distinct().ToArray();
        var kernelRow = DenseVector.Create(users, v => Kernel(history, rows[v]));
        var expected = kernelRow * coefficients;
        var scores = new float[items];
        scorer.Score(new History(history, [.. history.Select((_, n) => 2000L + n)]), scores);
        for (var i = 0; i < items; i++)
        {
            Assert.Equal(expected[i], scores[i], 4);
        }

        // A user's own row of the log, scored by the shortcut X − λ(K + λI)⁻¹X, is the same regression.
        var ownRow = DenseVector.Create(users, v => Kernel(rows[3], rows[v])) * coefficients;
        scorer.Score(new History(rows[3], [.. rows[3].Select((_, n) => 3000L + n)], user: 3), scores);
        for (var i = 0; i < items; i++)
        {
            Assert.Equal(ownRow[i], scores[i], 4);
        }
    }

    [Fact]
    public void An_empty_history_scores_nothing_and_unknown_items_are_ignored()
    {
        var log = new InteractionLog(2, 3, [new(0, 0, 1), new(0, 1, 2), new(1, 1, 3), new(1, 2, 4)]);
        var scorer = new InfiniteAutoencoderScorer(2, 1);
        scorer.Fit(log);
        var scores = new float[3];
        scorer.Score(new History([], []), scores);
        Assert.All(scores, s => Assert.Equal(0, s));

        scorer.Score(new History([0, 99], [1, 2]), scores);
        Assert.True(scores[1] > scores[2], $"item 1 (shared with the history's only neighbour) {scores[1]} vs item 2 {scores[2]}");
    }
}
