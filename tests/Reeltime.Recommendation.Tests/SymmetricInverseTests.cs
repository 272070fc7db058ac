using MathNet.Numerics.LinearAlgebra.Double;
using Reeltime.Recommendation.Offline;

namespace Reeltime.Recommendation.Tests;

public sealed class SymmetricInverseTests
{
    /// <summary>A Gram matrix of random sparse 0/1 rows plus a ridge: the kind of matrix EASE inverts.</summary>
    private static double[] GramPlusRidge(int n, int seed, double ridge)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, 3 * n).Select(_ => Enumerable.Range(0, n).Where(_ => random.NextDouble() < 0.1).ToArray()).ToArray();
        var g = new double[n * n];
        foreach (var row in rows)
        {
            foreach (var i in row)
            {
                foreach (var j in row)
                {
                    g[(i * n) + j] += 1;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            g[(i * n) + i] += ridge;
        }

        return g;
    }

    // Sizes below, at and across the pivot block (96) and the column strip (32 or 64), with odd remainders.
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(96)]
    [InlineData(97)]
    [InlineData(203)]
    [InlineData(389)]
    public void The_inverse_matches_a_Cholesky_solve_and_gives_the_identity(int n)
    {
        var g = GramPlusRidge(n, n, ridge: 2);
        var reference = DenseMatrix.Create(n, n, (i, j) => g[(i * n) + j]).Cholesky().Solve(DenseMatrix.CreateIdentity(n));
        var inverse = (double[])g.Clone();

        SymmetricInverse.Invert(inverse, n);

        var worst = 0.0;
        var scale = Enumerable.Range(0, n).Max(i => Math.Abs(reference[i, i]));
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                worst = Math.Max(worst, Math.Abs(inverse[(i * n) + j] - reference[i, j]));
            }
        }

        Assert.True(worst <= 1e-10 * scale, $"largest difference {worst:E2} against a diagonal of {scale:E2}");

        // G · G⁻¹ = I, checked on a few rows.
        foreach (var i in new[] { 0, n / 2, n - 1 })
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < n; k++)
                {
                    sum += g[(i * n) + k] * inverse[(k * n) + j];
                }

                Assert.Equal(i == j ? 1 : 0, sum, 1e-8);
            }
        }
    }

    [Fact]
    public void A_matrix_that_is_not_positive_definite_is_refused()
    {
        // Symmetric, but with a negative eigenvalue (the 2 × 2 block [[1, 2], [2, 1]]), past the first block.
        const int n = 120;
        var g = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            g[(i * n) + i] = 1;
        }

        g[(100 * n) + 101] = 2;
        g[(101 * n) + 100] = 2;

        Assert.Throws<ArgumentException>(() => SymmetricInverse.Invert(g, n));
    }
}
