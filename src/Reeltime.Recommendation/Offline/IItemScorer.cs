namespace Reeltime.Recommendation.Offline;

/// <summary>
/// A candidate source in batch form: fitted on an interaction log, it scores every item of the catalogue for
/// a user given the user's history. Higher is better; scores are comparable within one user only. Leaving
/// out what the user has seen is the caller's job (the online engine's seen filter, or the evaluator).
/// </summary>
public interface IItemScorer
{
    /// <summary>A short stable name ("ease", "transition", …), used in reports and explanations.</summary>
    string Name { get; }

    /// <summary>Learns from <paramref name="log"/>, replacing whatever was learned before.</summary>
    void Fit(InteractionLog log);

    /// <summary>Writes a score for every item into <paramref name="scores"/> (length = item count).</summary>
    void Score(History history, Span<float> scores);
}
