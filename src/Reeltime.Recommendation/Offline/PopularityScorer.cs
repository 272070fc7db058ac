namespace Reeltime.Recommendation.Offline;

/// <summary>All-time popularity: the number of engagements of each item. The same list for everyone.</summary>
public sealed class PopularityScorer : IItemScorer
{
    private float[] counts = [];

    /// <inheritdoc />
    public string Name => "pop";

    /// <inheritdoc />
    public void Fit(InteractionLog log) => counts = [.. log.ItemCounts.Select(c => (float)c)];

    /// <inheritdoc />
    public void Score(History history, Span<float> scores) => counts.CopyTo(scores);
}
