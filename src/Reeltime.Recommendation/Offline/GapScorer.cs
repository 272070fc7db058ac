using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Offline;

/// <summary>
/// What fits between two consecutive engagements: for each neighbouring pair (a, b) of the history, an item
/// x scores P(x follows a) · P(b follows x), with both probabilities from every user's time-ordered
/// history. Where a history has holes (engagements the log did not record, or items the user saw
/// elsewhere), this names what filled them; it complements "what comes next", which only looks forward.
/// </summary>
/// <param name="Window">How many steps ahead an engagement still counts as following.</param>
/// <param name="StepDecay">Weight factor per step of distance within the window.</param>
/// <param name="Smoothing">Added to every row's total before normalising, so rare items do not dominate.</param>
public sealed record GapScorer(int Window = 2, float StepDecay = 0.5f, float Smoothing = 5) : IItemScorer
{
    private ItemMatrix forward = new(0);
    private ItemMatrix backward = new(0);

    /// <inheritdoc />
    public string Name => "gap";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        var n = log.ItemCount;
        var counts = new ItemMatrix(n);
        foreach (var history in log.Histories)
        {
            var items = history.Items;
            for (var a = 0; a < items.Length; a++)
            {
                var weight = 1f;
                for (var d = 1; d <= Window && a + d < items.Length; d++, weight *= StepDecay)
                {
                    counts.Row(items[a])[items[a + d]] += weight;
                }
            }
        }

        // forward[a][x] = P(x follows a); backward[b][x] = P(b follows x), i.e. column b of forward.
        forward = new ItemMatrix(n);
        backward = new ItemMatrix(n);
        for (var a = 0; a < n; a++)
        {
            var row = counts.Row(a);
            var scale = 1 / (TensorPrimitives.Sum(row) + Smoothing);
            var f = forward.Row(a);
            for (var x = 0; x < n; x++)
            {
                f[x] = row[x] * scale;
                backward.Row(x)[a] = f[x];
            }
        }
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        scores.Clear();
        var product = new float[scores.Length];
        for (var k = 0; k + 1 < history.Count; k++)
        {
            TensorPrimitives.Multiply(forward.Row(history.Items[k]), backward.Row(history.Items[k + 1]), product);
            TensorPrimitives.Add(scores, product, scores);
        }
    }
}
