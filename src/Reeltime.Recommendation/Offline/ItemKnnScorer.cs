namespace Reeltime.Recommendation.Offline;

/// <summary>
/// Item-based nearest neighbours: cosine similarity of items' audiences, each item keeping its
/// <see cref="Neighbours"/> most similar items; a user's score for an item sums its similarity to the history.
/// </summary>
/// <param name="Neighbours">Neighbours kept per item.</param>
/// <param name="Shrink">Added to the cosine's denominator so that items with few engagements count less.</param>
public sealed record ItemKnnScorer(int Neighbours = 100, float Shrink = 0) : IItemScorer
{
    private ItemMatrix similarity = new(0);

    /// <inheritdoc />
    public string Name => "itemknn";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        var m = ItemMatrix.CoEngagement(log);
        var n = log.ItemCount;
        var norms = new float[n];
        for (var i = 0; i < n; i++)
        {
            norms[i] = MathF.Sqrt(m.Row(i)[i]);
        }

        for (var i = 0; i < n; i++)
        {
            var row = m.Row(i);
            for (var j = 0; j < n; j++)
            {
                row[j] = i == j || row[j] == 0 ? 0 : row[j] / ((norms[i] * norms[j]) + Shrink + 1e-6f);
            }
        }

        m.KeepTopPerRow(Neighbours);
        similarity = m;
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        scores.Clear();
        foreach (var item in history.Items)
        {
            similarity.AddRow(item, 1, scores);
        }
    }
}
