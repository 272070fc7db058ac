namespace Reeltime.Recommendation.Offline;

/// <summary>Which moments "recent" is measured from.</summary>
public enum RecencyAnchor
{
    /// <summary>
    /// Engagements before the user's latest one, decayed by their age at that moment: what an online
    /// system sees when the user comes back (trending, as of now).
    /// </summary>
    Latest,

    /// <summary>
    /// Engagements near any of the user's own engagements, by day, decayed with the distance in days: what
    /// was being watched while this user was active, for ranking over a past period.
    /// </summary>
    Activity,

    /// <summary>
    /// No decay: log(1 + engagements before the user's latest one). Items nobody had engaged with by then
    /// (not yet uploaded, or released later) score lowest: the catalogue as the user could have seen it.
    /// </summary>
    Available,
}

/// <summary>
/// Popularity with recency: engagements count with weight exp(-age / <see cref="HalfLifeDays"/> · ln 2), age
/// measured from the user's own time (see <see cref="RecencyAnchor"/>). Items being watched when the user is
/// active are what the user is likeliest to watch.
/// </summary>
/// <param name="HalfLifeDays">Half-life of an engagement's weight, in days.</param>
/// <param name="Anchor">The moments age is measured from.</param>
public sealed record RecentPopularityScorer(double HalfLifeDays = 7, RecencyAnchor Anchor = RecencyAnchor.Latest) : IItemScorer
{
    private const long Day = 86_400;
    private InteractionLog log = new(0, 0, []);
    private float[] smoothedByDay = [];
    private long firstDay;
    private int dayCount;

    /// <inheritdoc />
    public string Name => "recentpop";

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        this.log = log;
        if (Anchor != RecencyAnchor.Activity || log.Interactions.Length == 0)
        {
            return;
        }

        // Counts per day, then smoothed with a two-sided exponential kernel (two linear passes).
        var n = log.ItemCount;
        firstDay = log.Interactions[0].Time / Day;
        dayCount = (int)((log.Interactions[^1].Time / Day) - firstDay + 1);
        var counts = new float[dayCount * n];
        foreach (var x in log.Interactions)
        {
            counts[((int)((x.Time / Day) - firstDay) * n) + x.Item]++;
        }

        var decay = (float)Math.Pow(0.5, 1 / HalfLifeDays);
        var forward = (float[])counts.Clone();
        var backward = (float[])counts.Clone();
        for (var d = 1; d < dayCount; d++)
        {
            for (var i = 0; i < n; i++)
            {
                forward[(d * n) + i] += decay * forward[((d - 1) * n) + i];
            }
        }

        for (var d = dayCount - 2; d >= 0; d--)
        {
            for (var i = 0; i < n; i++)
            {
                backward[(d * n) + i] += decay * backward[((d + 1) * n) + i];
            }
        }

        smoothedByDay = new float[dayCount * n];
        for (var k = 0; k < smoothedByDay.Length; k++)
        {
            smoothedByDay[k] = forward[k] + backward[k] - counts[k];
        }
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        scores.Clear();
        if (history.LastTime is not { } last)
        {
            foreach (var x in log.Interactions)
            {
                scores[x.Item]++;
            }

            return;
        }

        if (Anchor == RecencyAnchor.Available)
        {
            var before = UpperBound(log.Interactions, last - 1);
            for (var k = 0; k < before; k++)
            {
                scores[log.Interactions[k].Item]++;
            }

            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = MathF.Log(1 + scores[i]);
            }

            return;
        }

        if (Anchor == RecencyAnchor.Latest)
        {
            // Strictly before the user's latest engagement: nothing from the future of that moment.
            var rate = Math.Log(2) / (HalfLifeDays * Day);
            var end = UpperBound(log.Interactions, last - 1);
            for (var k = end - 1; k >= 0; k--)
            {
                var age = last - log.Interactions[k].Time;
                var w = Math.Exp(-rate * age);
                if (w < 1e-4)
                {
                    break;
                }

                scores[log.Interactions[k].Item] += (float)w;
            }

            return;
        }

        var n = log.ItemCount;
        var weight = 1f / history.Count;
        foreach (var t in history.Times)
        {
            var d = (int)Math.Clamp((t / Day) - firstDay, 0, dayCount - 1);
            var row = smoothedByDay.AsSpan(d * n, n);
            for (var i = 0; i < n; i++)
            {
                scores[i] += weight * row[i];
            }
        }
    }

    private static int UpperBound(Interaction[] sorted, long time)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid].Time <= time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
