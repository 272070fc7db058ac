using Reeltime.Recommendation.Offline;

namespace Reeltime.Evaluation;

/// <summary>Full ranking: every item scored for every evaluated user, with the protocol's exclusions.</summary>
public static class Evaluator
{
    /// <summary>The longest list the metrics look at.</summary>
    public const int ListLength = 20;

    /// <summary>Each user's top <see cref="ListLength"/> at <paramref name="stage"/>, users in the order given.</summary>
    public static int[][] Rank(IItemScorer scorer, EvaluationSet set, Stage stage, int[] users)
    {
        var lists = new int[users.Length][];
        Parallel.For(
            0,
            users.Length,
            () => (Scores: new float[set.ItemCount], Excluded: new bool[set.ItemCount]),
            (k, _, buffers) =>
            {
                scorer.Score(set.History(users[k], stage), buffers.Scores);
                set.MarkExcluded(users[k], stage, buffers.Excluded);
                lists[k] = RankingMetrics.Top(buffers.Scores, buffers.Excluded, ListLength);
                return buffers;
            },
            _ => { });
        return lists;
    }

    /// <summary>Every metric of PROTOCOL.md for <paramref name="scorer"/> at <paramref name="stage"/>.</summary>
    public static Dictionary<string, double> Evaluate(IItemScorer scorer, EvaluationSet set, Stage stage)
    {
        var users = set.Users(stage);
        var lists = Rank(scorer, set, stage, users);
        return RankingMetrics.Summarise(lists, [.. users.Select(u => set.Targets(u, stage))], set.ItemCount);
    }

    /// <summary>Raw scores of every item for each user (for learning a blend without re-running sources).</summary>
    public static float[][] ScoreAll(IItemScorer scorer, EvaluationSet set, Stage stage, int[] users)
    {
        var scores = new float[users.Length][];
        Parallel.For(0, users.Length, k =>
        {
            scores[k] = new float[set.ItemCount];
            scorer.Score(set.History(users[k], stage), scores[k]);
        });
        return scores;
    }
}
