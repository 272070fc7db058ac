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

    // Less similar first, and of equals the later user first: the heap's top is the neighbour to drop.
    private static readonly Comparer<(float Similarity, int User)> WorseFirst = Comparer<(float Similarity, int User)>.Create(
        (a, b) => a.Similarity != b.Similarity ? a.Similarity.CompareTo(b.Similarity) : b.User.CompareTo(a.User));

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
        var touched = new List<int>();
        foreach (var i in mine)
        {
            foreach (var v in audiences[i])
            {
                if (overlap[v]++ == 0)
                {
                    touched.Add(v);
                }
            }
        }

        // The most similar users, ties by index so that the neighbours are reproducible: a heap of the best so
        // far, where sorting every user took most of the time on a large log (about 30 ms a history at 70,000 users).
        var best = new PriorityQueue<int, (float Similarity, int User)>(Neighbours + 1, WorseFirst);
        foreach (var v in touched)
        {
            if (v == history.User || itemsOf[v].Length == 0)
            {
                continue;
            }

            var similarity = overlap[v] / MathF.Sqrt(mine.Length * (float)itemsOf[v].Length);
            if (best.Count < Neighbours)
            {
                best.Enqueue(v, (similarity, v));
            }
            else
            {
                best.EnqueueDequeue(v, (similarity, v));
            }
        }

        var neighbours = new (float Similarity, int User)[best.Count];
        for (var k = neighbours.Length - 1; k >= 0; k--)
        {
            best.TryDequeue(out _, out neighbours[k]);
        }

        // Votes are added most similar first, as they always were, so that the sums round the same way.
        foreach (var (similarity, v) in neighbours)
        {
            var vote = MathF.Pow(similarity, Sharpness);
            foreach (var i in itemsOf[v])
            {
                scores[i] += vote;
            }
        }
    }
}
