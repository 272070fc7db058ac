namespace Reeltime.Recommendation.Offline;

/// <summary>
/// User-based nearest neighbours: the <see cref="Neighbours"/> users whose histories overlap most with this
/// history (cosine), each voting for their items with their similarity raised to <see cref="Sharpness"/>.
/// It works from the history alone, so it serves users the log did not hold.
/// </summary>
/// <param name="Neighbours">Users who vote.</param>
/// <param name="Sharpness">Exponent on the similarity: above 1 the closest neighbours dominate.</param>
public sealed record UserKnnScorer(int Neighbours = 100, float Sharpness = 1) : IItemScorer
{
    private InteractionLog log = new(0, 0, []);
    private int[][] audiences = [];
    private int[][] itemsOf = [];

    /// <inheritdoc />
    public string Name => "userknn";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        this.log = log;
        itemsOf = [.. log.Histories.Select(h => h.Items.Distinct().ToArray())];
        var lists = Enumerable.Range(0, log.ItemCount).Select(_ => new List<int>()).ToArray();
        for (var u = 0; u < itemsOf.Length; u++)
        {
            foreach (var i in itemsOf[u])
            {
                lists[i].Add(u);
            }
        }

        audiences = [.. lists.Select(l => l.ToArray())];
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        scores.Clear();
        var mine = history.Items.Distinct().ToArray();
        if (mine.Length == 0)
        {
            return;
        }

        var overlap = new float[log.UserCount];
        foreach (var i in mine)
        {
            foreach (var v in audiences[i])
            {
                overlap[v]++;
            }
        }

        var similarity = new float[log.UserCount];
        var order = new int[log.UserCount];
        for (var v = 0; v < log.UserCount; v++)
        {
            order[v] = v;
            similarity[v] = v == history.User || itemsOf[v].Length == 0 ? 0 : overlap[v] / MathF.Sqrt(mine.Length * (float)itemsOf[v].Length);
        }

        // Most similar first; ties by index so that the neighbours are reproducible.
        Array.Sort(order, (a, b) => similarity[b] != similarity[a] ? similarity[b].CompareTo(similarity[a]) : a.CompareTo(b));
        for (var k = 0; k < Math.Min(Neighbours, order.Length); k++)
        {
            var v = order[k];
            if (similarity[v] <= 0)
            {
                break;
            }

            var vote = MathF.Pow(similarity[v], Sharpness);
            foreach (var i in itemsOf[v])
            {
                scores[i] += vote;
            }
        }
    }
}
