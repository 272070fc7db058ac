namespace Reeltime.Recommendation.Offline;

/// <summary>
/// RP3beta (Paudel et al., 2017): the probability of a three-step random walk item → user → item, raised to
/// <see cref="Alpha"/> and divided by the target's popularity to the power <see cref="Beta"/>, so that the
/// walk does not always end on the blockbusters. Each item keeps its <see cref="Neighbours"/> best targets.
/// </summary>
/// <param name="Alpha">Exponent on the transition probability.</param>
/// <param name="Beta">Popularity penalty exponent.</param>
/// <param name="Neighbours">Targets kept per item.</param>
public sealed record Rp3BetaScorer(float Alpha = 1, float Beta = 0.5f, int Neighbours = 200) : IItemScorer
{
    private ItemMatrix walk = new(0);

    /// <inheritdoc />
    public string Name => "rp3beta";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        var n = log.ItemCount;
        var m = new ItemMatrix(n);
        foreach (var history in log.Histories)
        {
            var items = history.Items.Distinct().ToArray();
            if (items.Length == 0)
            {
                continue;
            }

            var step = 1f / items.Length;
            foreach (var i in items)
            {
                var row = m.Row(i);
                foreach (var j in items)
                {
                    row[j] += step;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            var row = m.Row(i);
            var fromI = log.ItemCounts[i] == 0 ? 0 : 1f / log.ItemCounts[i];
            for (var j = 0; j < n; j++)
            {
                row[j] = i == j || row[j] == 0
                    ? 0
                    : MathF.Pow(row[j] * fromI, Alpha) / MathF.Pow(Math.Max(1, log.ItemCounts[j]), Beta);
            }
        }

        m.KeepTopPerRow(Neighbours);
        walk = m;
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        scores.Clear();
        foreach (var item in history.Items)
        {
            walk.AddRow(item, 1, scores);
        }
    }
}
