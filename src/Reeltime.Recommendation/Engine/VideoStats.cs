using System.Runtime.InteropServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// Per-video and per-creator counters the ranker and the trending and fresh sources read: impressions,
/// long watches, likes, shares, follows, watch ratio, a time-decayed trending score, and the stage of a
/// new video's first audience. One <see cref="VideoCounters"/> per video, each on a cache line of its own.
/// </summary>
/// <remarks>
/// An event reads and writes most of a video's counters, and the video is a random one among a million:
/// as thirteen parallel arrays that was thirteen cache misses per event, each to be hinted ahead; as one
/// record on a line of its own it is one.
/// </remarks>
internal sealed class VideoStats
{
    /// <summary>The stage of a video that failed a stage's bar: it gets no more staged audience.</summary>
    public const byte Stopped = 255;

    private readonly CacheLineRecords<VideoCounters> _videos = new(1024);

    /// <summary>The counters of the video at dense index <paramref name="video"/>.</summary>
    public ref VideoCounters this[int video] => ref _videos[video];

    /// <summary>Hints the line an event on <paramref name="video"/> reads and writes.</summary>
    public void Prefetch(int video) => _videos.Prefetch(video);

    /// <summary>Every video's long-watch count, for the first <paramref name="videos"/> videos (a copy).</summary>
    public float[] LongWatchColumn(int videos)
    {
        var column = new float[Math.Min(videos, _videos.Capacity)];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = this[i].LongWatches;
        }

        return column;
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
        _videos.EnsureCapacity(videos);

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
        ref var counters = ref this[video];
        counters.Trend = counters.TrendAt(nowMs, halfLifeMs) + amount;
        counters.TrendAtMs = nowMs;
    }

    public void Write(BinaryWriter writer, int videos, int creators)
    {
        writer.Write(videos);
        for (var i = 0; i < videos; i++)
        {
            ref readonly var c = ref this[i];
            writer.Write(c.Impressions);
            writer.Write(c.LongWatches);
            writer.Write(c.Likes);
            writer.Write(c.Engagements);
            writer.Write(c.Quality);
            writer.Write(c.Shares);
            writer.Write(c.Follows);
            writer.Write(c.WatchRatioSum);
            writer.Write(c.Trend);
            writer.Write(c.TrendAtMs);
            writer.Write(c.Stage);
            writer.Write(c.StageImpressions);
            writer.Write(c.StageSuccesses);
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
            ref var c = ref this[i];
            c.Impressions = reader.ReadInt32();
            c.LongWatches = reader.ReadSingle();
            c.Likes = reader.ReadSingle();
            c.Engagements = reader.ReadSingle();
            c.Quality = reader.ReadSingle();
            c.Shares = reader.ReadSingle();
            c.Follows = reader.ReadSingle();
            c.WatchRatioSum = reader.ReadSingle();
            c.Trend = reader.ReadSingle();
            c.TrendAtMs = reader.ReadInt64();
            c.Stage = reader.ReadByte();
            c.StageImpressions = reader.ReadInt32();
            c.StageSuccesses = reader.ReadSingle();
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

/// <summary>One video's counters (see <see cref="VideoStats"/>); 64 bytes, a cache line.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct VideoCounters
{
    public long TrendAtMs;
    public int Impressions;
    public float LongWatches;
    public float Likes;

    /// <summary>Likes, shares, comments and bookmarks from every surface, for all time: how popular a video is.</summary>
    public float Engagements;

    /// <summary>
    /// The video's own term in the affinity model (log-odds): how much more viewers watch it on than their
    /// tastes for its hashtags and creator predict. Learned net of who was shown it, so a video shown mostly
    /// to the wrong audience is not mistaken for a weak one.
    /// </summary>
    public float Quality;
    public float Shares;
    public float Follows;
    public float WatchRatioSum;
    public float Trend;
    public int StageImpressions;
    public float StageSuccesses;
    public byte Stage;

    /// <summary>The trending score decayed to <paramref name="nowMs"/>.</summary>
    public readonly float TrendAt(long nowMs, double halfLifeMs) =>
        Trend == 0 ? 0 : Trend * (float)Math.Pow(0.5, Math.Max(0, nowMs - TrendAtMs) / halfLifeMs);
}
