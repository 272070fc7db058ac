namespace Reeltime.Evaluation;

/// <summary>The ranking metrics of PROTOCOL.md for one user's top list.</summary>
public static class RankingMetrics
{
    /// <summary>The cut-offs reported.</summary>
    public static readonly int[] Cutoffs = [10, 20];

    /// <summary>The metric names per cut-off, in report order.</summary>
    public static readonly string[] Names = ["recall", "ndcg", "mrr", "hit", "precision"];

    /// <summary>
    /// Adds this user's Recall, NDCG, MRR, Hit and Precision at <paramref name="k"/> into <paramref name="sums"/>
    /// (in the order of <see cref="Names"/>). <paramref name="ranked"/> is the user's list, best first, at
    /// least <paramref name="k"/> long unless the catalogue is smaller.
    /// </summary>
    public static void Accumulate(ReadOnlySpan<int> ranked, IReadOnlyCollection<int> targets, int k, Span<double> sums)
    {
        if (targets.Count == 0)
        {
            return;
        }

        int hits = 0, firstHit = 0;
        double dcg = 0;
        var n = Math.Min(k, ranked.Length);
        for (var r = 0; r < n; r++)
        {
            if (targets.Contains(ranked[r]))
            {
                hits++;
                dcg += 1 / Math.Log2(r + 2);
                if (firstHit == 0)
                {
                    firstHit = r + 1;
                }
            }
        }

        double idcg = 0;
        for (var r = 0; r < Math.Min(k, targets.Count); r++)
        {
            idcg += 1 / Math.Log2(r + 2);
        }

        sums[0] += (double)hits / targets.Count;
        sums[1] += dcg / idcg;
        sums[2] += firstHit == 0 ? 0 : 1.0 / firstHit;
        sums[3] += hits > 0 ? 1 : 0;
        sums[4] += (double)hits / k;
    }

    /// <summary>
    /// The metrics over many users, keyed as in results.json ("recall@10", …, "coverage@10"): means over the
    /// users, and the share of the catalogue that appears in at least one top 10.
    /// </summary>
    public static Dictionary<string, double> Summarise(IReadOnlyList<int[]> rankedLists, IReadOnlyList<int[]> targets, int itemCount)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var k in Cutoffs)
        {
            var sums = new double[Names.Length];
            for (var u = 0; u < rankedLists.Count; u++)
            {
                Accumulate(rankedLists[u], targets[u], k, sums);
            }

            for (var m = 0; m < Names.Length; m++)
            {
                result[$"{Names[m]}@{k}"] = rankedLists.Count == 0 ? 0 : sums[m] / rankedLists.Count;
            }
        }

        var covered = new HashSet<int>();
        foreach (var list in rankedLists)
        {
            covered.UnionWith(list.Take(10));
        }

        result["coverage@10"] = itemCount == 0 ? 0 : (double)covered.Count / itemCount;
        return result;
    }

    /// <summary>
    /// The <paramref name="k"/> best items by score, skipping excluded ones; ties go to the lower index so that
    /// lists are reproducible.
    /// </summary>
    public static int[] Top(ReadOnlySpan<float> scores, ReadOnlySpan<bool> excluded, int k)
    {
        var items = new int[k];
        var values = new float[k];
        var count = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (excluded[i])
            {
                continue;
            }

            var s = float.IsNaN(scores[i]) ? float.NegativeInfinity : scores[i];
            if (count == k && s <= values[k - 1])
            {
                continue;
            }

            // Insertion into a short sorted array beats a heap at k = 20.
            var p = count < k ? count++ : k - 1;
            while (p > 0 && values[p - 1] < s)
            {
                values[p] = values[p - 1];
                items[p] = items[p - 1];
                p--;
            }

            values[p] = s;
            items[p] = i;
        }

        return count == k ? items : items[..count];
    }
}
