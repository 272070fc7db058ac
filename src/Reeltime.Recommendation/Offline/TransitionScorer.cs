namespace Reeltime.Recommendation.Offline;

/// <summary>
/// Co-engagement in sequence: what people engage with shortly after (and, with a smaller weight, shortly
/// before) each item, counted over every user's time-ordered history; a user's scores sum the rows of their
/// latest items, the most recent weighing most. This is the batch form of the online engine's
/// "watched next" source.
/// </summary>
/// <param name="Window">How many steps ahead an engagement still counts as "next".</param>
/// <param name="StepDecay">Weight factor per step of distance within the window.</param>
/// <param name="Backward">Weight of "engaged just before" relative to "engaged just after".</param>
/// <param name="Recent">How many of the user's latest items are used.</param>
/// <param name="RecencyDecay">Weight factor per step back in the user's history.</param>
/// <param name="Normalisation">Exponent of each row's total used to divide it (0 = raw counts, 1 = probabilities).</param>
public sealed record TransitionScorer(
    int Window = 5,
    float StepDecay = 0.7f,
    float Backward = 0.5f,
    int Recent = 10,
    float RecencyDecay = 0.7f,
    float Normalisation = 0.5f) : IItemScorer
{
    private ItemMatrix next = new(0);

    /// <inheritdoc />
    public string Name => "transition";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        var m = new ItemMatrix(log.ItemCount);
        foreach (var history in log.Histories)
        {
            var items = history.Items;
            for (var a = 0; a < items.Length; a++)
            {
                var weight = 1f;
                for (var d = 1; d <= Window && a + d < items.Length; d++, weight *= StepDecay)
                {
                    var b = items[a + d];
                    if (b == items[a])
                    {
                        continue;
                    }

                    m.Row(items[a])[b] += weight;
                    m.Row(b)[items[a]] += weight * Backward;
                }
            }
        }

        for (var i = 0; i < log.ItemCount; i++)
        {
            var row = m.Row(i);
            var total = 0f;
            foreach (var w in row)
            {
                total += w;
            }

            if (total > 0)
            {
                var scale = 1 / MathF.Pow(total, Normalisation);
                for (var j = 0; j < row.Length; j++)
                {
                    row[j] *= scale;
                }
            }
        }

        next = m;
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        scores.Clear();
        var weight = 1f;
        for (var k = history.Count - 1; k >= 0 && k >= history.Count - Recent; k--, weight *= RecencyDecay)
        {
            next.AddRow(history.Items[k], weight, scores);
        }
    }
}
