using System.Diagnostics;
using Reeltime.Recommendation.Offline;

namespace Reeltime.Evaluation;

/// <summary>
/// How long the searches of the engine's cubic sources would take on a data set: EASE and the low-pass
/// filter grow with the cube of the catalogue, ∞-AE with the cube of the audience. On MovieLens 1M they take
/// minutes; on a data set of 20,000 users or 10,000 items, hours each. The engine leaves out a source whose
/// search would take longer than its budget rather than run for a day, and says so.
/// </summary>
public static class SearchCost
{
    // Work in units of n³ at the rate measured on a small matrix, from timings on this project's machine (two
    // cores, idle otherwise): one EASE fit on 9,140 items took 60 s and one ∞-AE fit on 8,000 users 37 s, each
    // with its scoring of valid, about one unit each; the low-pass search on 3,686 items (Math.NET's managed
    // eigen-decomposition, then its ranks) took 124 s, about 32. A coordinate search fits EASE about 25 times
    // and ∞-AE about 18 times (counted on ML-100K and ML-1M).
    private const double FitCubes = 1;
    private const double LowPassCubes = 32;
    private const double EaseFits = 25;
    private const double InfiniteAutoencoderFits = 18;

    private static readonly Lazy<double> Measured = new(MeasureInverseRate);

    /// <summary>The sources whose search cost grows with the cube of the data set's size.</summary>
    public static readonly string[] CubicSources = ["ease", "infae", "lowpass"];

    /// <summary>Multiply-adds per second of this machine's dense symmetric inverse, measured once per process (about half a second).</summary>
    public static double InverseRate => Measured.Value;

    /// <summary>
    /// Estimated seconds of one fit of <paramref name="source"/> (for the low-pass filter, of its one
    /// eigen-decomposition, which its whole search shares); 0 for a source whose cost does not grow with a cube.
    /// </summary>
    public static double EstimatedFitSeconds(string source, int users, int items, double inverseRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inverseRate);
        var cube = (double)items * items * items;
        return source switch
        {
            "ease" => FitCubes * cube / inverseRate,
            "lowpass" => LowPassCubes * cube / inverseRate,
            "infae" => FitCubes * users * users * users / inverseRate,
            _ => 0,
        };
    }

    /// <summary>
    /// Estimated seconds of <paramref name="source"/>'s whole search on <paramref name="users"/> users and
    /// <paramref name="items"/> items at <paramref name="inverseRate"/> multiply-adds per second; 0 for a
    /// source whose cost does not grow with a cube.
    /// </summary>
    public static double EstimatedSeconds(string source, int users, int items, double inverseRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inverseRate);
        return FitsOfASearch(source) * EstimatedFitSeconds(source, users, items, inverseRate);
    }

    /// <summary>About how many fits a whole search of <paramref name="source"/> makes (the low-pass filter's one decomposition counts once).</summary>
    public static double FitsOfASearch(string source) => source switch
    {
        "ease" => EaseFits,
        "infae" => InfiniteAutoencoderFits,
        _ => 1,
    };

    private static double MeasureInverseRate()
    {
        // A diagonally dominant symmetric matrix, as EASE's Gram matrix plus its penalty is: the same code path.
        // Below about a thousand rows the inverse's blocks do not fill the cores, and the rate says little.
        const int n = 1536;
        var random = new Random(1);
        var matrix = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                matrix[(i * n) + j] = matrix[(j * n) + i] = random.NextDouble();
            }

            matrix[(i * n) + i] += n;
        }

        SymmetricInverse.Invert((double[])matrix.Clone(), n); // warm up: the JIT's tiers, the thread pool
        var clock = Stopwatch.StartNew();
        SymmetricInverse.Invert(matrix, n);
        return (double)n * n * n / Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
    }
}
