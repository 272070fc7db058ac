namespace Reeltime.Evaluation.Tests;

public class MetricsTests
{
    [Fact]
    public void Metrics_at_10_match_a_hand_computed_list()
    {
        // Hits at ranks 2 and 4; three targets, one of them (5) not in the list.
        int[] ranked = [4, 2, 9, 7, 1, 0, 3, 6, 8, 11];
        var sums = new double[RankingMetrics.Names.Length];

        RankingMetrics.Accumulate(ranked, new HashSet<int> { 2, 7, 5 }, 10, sums);

        var dcg = (1 / Math.Log2(3)) + (1 / Math.Log2(5));
        var idcg = 1 + (1 / Math.Log2(3)) + (1 / Math.Log2(4));
        Assert.Equal(2.0 / 3, sums[0], 12); // recall
        Assert.Equal(dcg / idcg, sums[1], 12); // ndcg = 0.4982
        Assert.Equal(0.5, sums[2], 12); // mrr
        Assert.Equal(1, sums[3], 12); // hit
        Assert.Equal(0.2, sums[4], 12); // precision
        Assert.Equal(0.4982, sums[1], 4);
    }

    [Fact]
    public void A_list_without_hits_scores_zero_and_ideal_dcg_is_capped_at_k()
    {
        var sums = new double[RankingMetrics.Names.Length];
        RankingMetrics.Accumulate([1, 2, 3], new HashSet<int> { 9 }, 10, sums);
        Assert.All(sums, s => Assert.Equal(0, s));

        // 12 targets, all of the first 10 ranks hit: NDCG@10 is 1 (IDCG over min(10, 12) hits), recall 10/12.
        var perfect = new double[RankingMetrics.Names.Length];
        RankingMetrics.Accumulate([.. Enumerable.Range(0, 10)], Enumerable.Range(0, 12).ToHashSet(), 10, perfect);
        Assert.Equal(1, perfect[1], 12);
        Assert.Equal(10.0 / 12, perfect[0], 12);
        Assert.Equal(1, perfect[4], 12);
    }

    [Fact]
    public void Summary_averages_over_users_and_counts_coverage_of_the_top_10()
    {
        int[][] lists = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [0, 1, 2, 3, 4, 5, 6, 7, 8, 19, 20]];
        int[][] targets = [[0], [20]];

        var m = RankingMetrics.Summarise(lists, targets, 40);

        Assert.Equal(0.5, m["hit@10"], 12); // user 1 hits at rank 1, user 2 only at rank 11
        Assert.Equal(1, m["hit@20"], 12);
        Assert.Equal((1 + (1.0 / 11)) / 2, m["mrr@20"], 12);
        Assert.Equal(11.0 / 40, m["coverage@10"], 12); // items 0–9 and 19
        Assert.Equal(
            ["recall@10", "ndcg@10", "mrr@10", "hit@10", "precision@10", "recall@20", "ndcg@20", "mrr@20", "hit@20", "precision@20", "coverage@10"],
            m.Keys);
    }

    [Fact]
    public void Top_skips_excluded_items_and_breaks_ties_by_lower_index()
    {
        float[] scores = [0.5f, 0.9f, 0.9f, 0.1f, 0.7f, float.NaN];
        bool[] excluded = [false, true, false, false, false, false];

        Assert.Equal([2, 4, 0], RankingMetrics.Top(scores, excluded, 3));
        Assert.Equal([2, 4, 0, 3, 5], RankingMetrics.Top(scores, excluded, 10));
    }
}
