namespace Reeltime.Recommendation.Offline;

/// <summary>
/// Hashtag affinity (on MovieLens, genres): the user's share of engagements per tag, smoothed towards the
/// catalogue's, summed over an item's tags and divided by the square root of their number so that items
/// with many tags do not win by listing them.
/// </summary>
/// <param name="Smoothing">Pseudo-engagements drawn from the catalogue's tag shares.</param>
public sealed record TagAffinityScorer(float Smoothing = 5) : IItemScorer
{
    private InteractionLog log = new(0, 0, []);
    private float[] prior = [];

    /// <inheritdoc />
    public string Name => "tags";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        this.log = log;
        prior = new float[log.TagCount];
        var total = 0f;
        foreach (var x in log.Interactions)
        {
            foreach (var t in log.ItemTags[x.Item])
            {
                prior[t]++;
                total++;
            }
        }

        for (var t = 0; t < prior.Length; t++)
        {
            prior[t] = total == 0 ? 0 : prior[t] / total;
        }
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        var profile = new float[log.TagCount];
        var total = 0f;
        foreach (var item in history.Items)
        {
            foreach (var t in log.ItemTags[item])
            {
                profile[t]++;
                total++;
            }
        }

        for (var t = 0; t < profile.Length; t++)
        {
            profile[t] = (profile[t] + (Smoothing * prior[t])) / (total + Smoothing);
        }

        for (var i = 0; i < log.ItemCount; i++)
        {
            var tags = log.ItemTags[i];
            var s = 0f;
            foreach (var t in tags)
            {
                s += profile[t];
            }

            scores[i] = tags.Length == 0 ? 0 : s / MathF.Sqrt(tags.Length);
        }
    }
}
