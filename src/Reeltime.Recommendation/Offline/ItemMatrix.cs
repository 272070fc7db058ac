using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Offline;

/// <summary>
/// A dense item × item weight matrix, row-major in one contiguous buffer: row i holds what engaging with
/// item i says about every other item. Dense is right for catalogues up to a few ten thousand items; the
/// online engine keeps only each row's top neighbours.
/// </summary>
public sealed class ItemMatrix
{
    private readonly float[] weights;

    /// <summary>A zero matrix for <paramref name="itemCount"/> items.</summary>
    public ItemMatrix(int itemCount)
    {
        ItemCount = itemCount;
        weights = new float[checked(itemCount * itemCount)];
    }

    /// <summary>Number of rows and columns.</summary>
    public int ItemCount { get; }

    /// <summary>Row <paramref name="item"/>.</summary>
    public Span<float> Row(int item) => weights.AsSpan(item * ItemCount, ItemCount);

    /// <summary>The whole buffer, row-major.</summary>
    public Span<float> All => weights;

    /// <summary>Co-engagement counts: entry (i, j) is the number of users who engaged with both i and j.</summary>
    /// <param name="log">The engagements.</param>
    /// <param name="userWeightExponent">Each user's pairs count (number of items)^-exponent: 0 counts every user alike.</param>
    public static ItemMatrix CoEngagement(InteractionLog log, double userWeightExponent = 0)
    {
        var m = new ItemMatrix(log.ItemCount);
        foreach (var history in log.Histories)
        {
            var items = history.Items.Distinct().ToArray();
            var weight = userWeightExponent == 0 || items.Length == 0 ? 1f : (float)Math.Pow(items.Length, -userWeightExponent);
            foreach (var i in items)
            {
                var row = m.Row(i);
                foreach (var j in items)
                {
                    row[j] += weight;
                }
            }
        }

        return m;
    }

    /// <summary>Adds <paramref name="weight"/> × row i into <paramref name="scores"/>.</summary>
    public void AddRow(int item, float weight, Span<float> scores)
    {
        if (weight == 1)
        {
            TensorPrimitives.Add(scores, Row(item), scores);
        }
        else
        {
            TensorPrimitives.MultiplyAdd(Row(item), weight, scores, scores);
        }
    }

    /// <summary>Keeps the <paramref name="k"/> largest entries of every row and zeroes the rest.</summary>
    public void KeepTopPerRow(int k)
    {
        if (k >= ItemCount)
        {
            return;
        }

        var buffer = new float[ItemCount];
        for (var i = 0; i < ItemCount; i++)
        {
            var row = Row(i);
            row.CopyTo(buffer);
            Array.Sort(buffer);
            var threshold = buffer[ItemCount - k];

            // Ties at the threshold may keep a few more than k; that is harmless and keeps this deterministic.
            for (var j = 0; j < ItemCount; j++)
            {
                if (row[j] < threshold)
                {
                    row[j] = 0;
                }
            }
        }
    }
}
