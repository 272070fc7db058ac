namespace Reeltime.Recommendation.Engine;

/// <summary>
/// Per-video and per-creator counters the ranker and the trending and fresh sources read: impressions,
/// long watches, likes, shares, follows, watch ratio, a time-decayed trending score, and the stage of a
/// new video's first audience. Struct-of-arrays indexed by the catalogue's dense index.
/// </summary>
internal sealed class VideoStats
{
    /// <summary>The stage of a video that failed a stage's bar: it gets no more staged audience.</summary>
    public const byte Stopped = 255;

    public int[] Impressions = new int[1024];
    public float[] LongWatches = new float[1024];
    public float[] Likes = new float[1024];

    /// <summary>Likes, shares, comments and bookmarks from every surface, for all time: how popular a video is.</summary>
    public float[] Engagements = new float[1024];

    /// <summary>
    /// The video's own term in the affinity model (log-odds): how much more viewers watch it on than their
    /// tastes for its hashtags and creator predict. Learned net of who was shown it, so a video shown mostly
    /// to the wrong audience is not mistaken for a weak one.
    /// </summary>
    public float[] Quality = new float[1024];
    public float[] Shares = new float[1024];
    public float[] Follows = new float[1024];
    public float[] WatchRatioSum = new float[1024];
    public float[] Trend = new float[1024];
    public long[] TrendAtMs = new long[1024];
    public byte[] Stage = new byte[1024];
    public int[] StageImpressions = new int[1024];
    public float[] StageSuccesses = new float[1024];

    /// <summary>Hints the counters an event on <paramref name="video"/> reads and writes.</summary>
    public void Prefetch(int video)
    {
        CacheHint.Line(Impressions, video);
        CacheHint.Line(LongWatches, video);
        CacheHint.Line(Likes, video);
        CacheHint.Line(Engagements, video);
        CacheHint.Line(Quality, video);
        CacheHint.Line(Shares, video);
        CacheHint.Line(Follows, video);
        CacheHint.Line(WatchRatioSum, video);
        CacheHint.Line(Trend, video);
        CacheHint.Line(TrendAtMs, video);
        CacheHint.Line(Stage, video);
        CacheHint.Line(StageImpressions, video);
        CacheHint.Line(StageSuccesses, video);
    }

    public int[] CreatorImpressions = new int[256];
    public float[] CreatorLongWatches = new float[256];

    public long TotalImpressions;
    public double TotalLongWatches;
    public double TotalLikes;
    public double TotalShares;
    public double TotalFollows;
    public double TotalWatchRatio;
    public double TotalStageSuccesses;
    public long TotalStageImpressions;

    public void EnsureCapacity(int videos, int creators)
    {
        if (videos > Impressions.Length)
        {
            var size = Math.Max(videos, Impressions.Length * 2);
            Array.Resize(ref Impressions, size);
            Array.Resize(ref LongWatches, size);
            Array.Resize(ref Likes, size);
            Array.Resize(ref Engagements, size);
            Array.Resize(ref Quality, size);
            Array.Resize(ref Shares, size);
            Array.Resize(ref Follows, size);
            Array.Resize(ref WatchRatioSum, size);
            Array.Resize(ref Trend, size);
            Array.Resize(ref TrendAtMs, size);
            Array.Resize(ref Stage, size);
            Array.Resize(ref StageImpressions, size);
            Array.Resize(ref StageSuccesses, size);
        }

        if (creators > CreatorImpressions.Length)
        {
            var size = Math.Max(creators, CreatorImpressions.Length * 2);
            Array.Resize(ref CreatorImpressions, size);
            Array.Resize(ref CreatorLongWatches, size);
        }
    }

    /// <summary>The catalogue-wide rate of long watches per impression, with a sensible prior while there are few.</summary>
    public float MeanLongWatchRate => (float)((TotalLongWatches + 3) / (TotalImpressions + 10));

    public float MeanLikeRate => (float)((TotalLikes + 0.5) / (TotalImpressions + 10));

    public float MeanShareRate => (float)((TotalShares + 0.1) / (TotalImpressions + 10));

    public float MeanFollowRate => (float)((TotalFollows + 0.1) / (TotalImpressions + 10));

    public float MeanWatchRatio => (float)((TotalWatchRatio + 4) / (TotalImpressions + 10));

    /// <summary>The engagement rate a staged video is measured against.</summary>
    public float MeanStageRate => (float)((TotalStageSuccesses + 3) / (TotalStageImpressions + 10));

    /// <summary>A rate shrunk towards the catalogue's mean (a Beta posterior mean with 20 pseudo-impressions).</summary>
    public static float Posterior(float successes, int trials, float mean) => (successes + (20 * mean)) / (trials + 20);

    /// <summary>Adds to the trending score, decaying what was there.</summary>
    public void AddTrend(int video, float amount, long nowMs, double halfLifeMs)
    {
        Trend[video] = TrendAt(video, nowMs, halfLifeMs) + amount;
        TrendAtMs[video] = nowMs;
    }

    public float TrendAt(int video, long nowMs, double halfLifeMs) =>
        Trend[video] == 0 ? 0 : Trend[video] * (float)Math.Pow(0.5, Math.Max(0, nowMs - TrendAtMs[video]) / halfLifeMs);

    public void Write(BinaryWriter writer, int videos, int creators)
    {
        writer.Write(videos);
        for (var i = 0; i < videos; i++)
        {
            writer.Write(Impressions[i]);
            writer.Write(LongWatches[i]);
            writer.Write(Likes[i]);
            writer.Write(Engagements[i]);
            writer.Write(Quality[i]);
            writer.Write(Shares[i]);
            writer.Write(Follows[i]);
            writer.Write(WatchRatioSum[i]);
            writer.Write(Trend[i]);
            writer.Write(TrendAtMs[i]);
            writer.Write(Stage[i]);
            writer.Write(StageImpressions[i]);
            writer.Write(StageSuccesses[i]);
        }

        writer.Write(creators);
        for (var i = 0; i < creators; i++)
        {
            writer.Write(CreatorImpressions[i]);
            writer.Write(CreatorLongWatches[i]);
        }

        writer.Write(TotalImpressions);
        writer.Write(TotalLongWatches);
        writer.Write(TotalLikes);
        writer.Write(TotalShares);
        writer.Write(TotalFollows);
        writer.Write(TotalWatchRatio);
        writer.Write(TotalStageSuccesses);
        writer.Write(TotalStageImpressions);
    }

    public void Read(BinaryReader reader)
    {
        var videos = reader.ReadInt32();
        EnsureCapacity(videos, 0);
        for (var i = 0; i < videos; i++)
        {
            Impressions[i] = reader.ReadInt32();
            LongWatches[i] = reader.ReadSingle();
            Likes[i] = reader.ReadSingle();
            Engagements[i] = reader.ReadSingle();
            Quality[i] = reader.ReadSingle();
            Shares[i] = reader.ReadSingle();
            Follows[i] = reader.ReadSingle();
            WatchRatioSum[i] = reader.ReadSingle();
            Trend[i] = reader.ReadSingle();
            TrendAtMs[i] = reader.ReadInt64();
            Stage[i] = reader.ReadByte();
            StageImpressions[i] = reader.ReadInt32();
            StageSuccesses[i] = reader.ReadSingle();
        }

        var creators = reader.ReadInt32();
        EnsureCapacity(0, creators);
        for (var i = 0; i < creators; i++)
        {
            CreatorImpressions[i] = reader.ReadInt32();
            CreatorLongWatches[i] = reader.ReadSingle();
        }

        TotalImpressions = reader.ReadInt64();
        TotalLongWatches = reader.ReadDouble();
        TotalLikes = reader.ReadDouble();
        TotalShares = reader.ReadDouble();
        TotalFollows = reader.ReadDouble();
        TotalWatchRatio = reader.ReadDouble();
        TotalStageSuccesses = reader.ReadDouble();
        TotalStageImpressions = reader.ReadInt64();
    }
}
