namespace Reeltime.Recommendation.Engine;

/// <summary>
/// Item-to-item co-engagement: for each video, the videos the same viewers enjoyed shortly before or after
/// it, with time-decayed counts. Each video keeps only its strongest <see cref="Width"/> neighbours, so
/// memory is bounded by the catalogue, not by the number of pairs.
/// </summary>
internal sealed class CoWatchGraph(double halfLifeMs)
{
    public const int Width = 32;
    private Neighbours?[] _lists = new Neighbours?[1024];

    public void EnsureCapacity(int videos)
    {
        if (videos > _lists.Length)
        {
            Array.Resize(ref _lists, Math.Max(videos, _lists.Length * 2));
        }
    }

    /// <summary>Strengthens the pair both ways.</summary>
    public void Add(int a, int b, float weight, long nowMs)
    {
        if (a == b)
        {
            return;
        }

        AddOne(a, b, weight, nowMs);
        AddOne(b, a, weight, nowMs);
    }

    /// <summary>The neighbours of a video with their counts decayed to <paramref name="nowMs"/>.</summary>
    public int NeighboursOf(int video, long nowMs, Span<int> ids, Span<float> weights)
    {
        if ((uint)video >= (uint)_lists.Length || _lists[video] is not { } list)
        {
            return 0;
        }

        var decay = (float)Math.Pow(0.5, Math.Max(0, nowMs - list.AtMs) / halfLifeMs);
        var n = Math.Min(list.Count, ids.Length);
        for (var i = 0; i < n; i++)
        {
            ids[i] = list.Ids[i];
            weights[i] = list.Weights[i] * decay;
        }

        return n;
    }

    /// <summary>The decayed count of one pair (0 if absent).</summary>
    public float Weight(int video, int other, long nowMs)
    {
        if ((uint)video >= (uint)_lists.Length || _lists[video] is not { } list)
        {
            return 0;
        }

        var i = Array.IndexOf(list.Ids, other, 0, list.Count);
        return i < 0 ? 0 : list.Weights[i] * (float)Math.Pow(0.5, Math.Max(0, nowMs - list.AtMs) / halfLifeMs);
    }

    /// <summary>Hints the video's list in three stages, each reading what the one before hinted: its slot, the list, its entries.</summary>
    public void Prefetch(int stage, int video)
    {
        if ((uint)video >= (uint)_lists.Length)
        {
            return;
        }

        switch (stage)
        {
            case 1:
                CacheHint.Line(_lists, video);
                break;
            case 2:
                CacheHint.Object(_lists[video]);
                break;
            default:
                if (_lists[video] is { } list)
                {
                    CacheHint.Line(list.Ids, 0);
                    CacheHint.Line(list.Weights, 0);
                }

                break;
        }
    }

    /// <summary>Whether any pair with the video was ever counted.</summary>
    public bool Has(int video) => (uint)video < (uint)_lists.Length && _lists[video] is not null;

    /// <summary>
    /// The decayed counts of the video paired with each anchor, the k-th anchor's weighted 1 / (1 + k), summed:
    /// the same sum as <see cref="Weight"/> from each anchor's side.
    /// </summary>
    public float Score(int video, ReadOnlySpan<int> anchors, long nowMs)
    {
        if ((uint)video >= (uint)_lists.Length || _lists[video] is not { } list)
        {
            return 0;
        }

        var score = 0f;
        if (list.Count < Width)
        {
            // The video's own list has never been full, so it holds every pair ever counted with it: one list
            // (in cache after the first anchor) answers for all anchors, where each anchor's own list is
            // another two or three cache misses. Its count is the pair's whole count even where an anchor's
            // full list once dropped the pair and took it up again.
            var ids = list.Ids.AsSpan(0, list.Count);
            for (var k = 0; k < anchors.Length; k++)
            {
                var at = ids.IndexOf(anchors[k]);
                if (at >= 0)
                {
                    score += list.Weights[at] / (1 + k);
                }
            }

            return score == 0 ? 0 : score * (float)Math.Pow(0.5, Math.Max(0, nowMs - list.AtMs) / halfLifeMs);
        }

        for (var k = 0; k < anchors.Length; k++)
        {
            score += Weight(anchors[k], video, nowMs) / (1 + k);
        }

        return score;
    }

    private void AddOne(int from, int to, float weight, long nowMs)
    {
        var list = _lists[from] ??= new Neighbours();
        if (nowMs > list.AtMs)
        {
            var decay = list.AtMs == 0 ? 1 : (float)Math.Pow(0.5, (nowMs - list.AtMs) / halfLifeMs);
            for (var i = 0; i < list.Count; i++)
            {
                list.Weights[i] *= decay;
            }

            list.AtMs = nowMs;
        }

        var at = Array.IndexOf(list.Ids, to, 0, list.Count);
        if (at >= 0)
        {
            list.Weights[at] += weight;
            return;
        }

        if (list.Count < Width)
        {
            if (list.Count == list.Ids.Length)
            {
                list.Grow(Math.Min(Width, list.Count * 2));
            }

            list.Ids[list.Count] = to;
            list.Weights[list.Count++] = weight;
            return;
        }

        // Full: replace the weakest if the newcomer is stronger (space-saving top-k).
        var weakest = 0;
        for (var i = 1; i < Width; i++)
        {
            if (list.Weights[i] < list.Weights[weakest])
            {
                weakest = i;
            }
        }

        if (list.Weights[weakest] < weight)
        {
            list.Ids[weakest] = to;
            list.Weights[weakest] = weight;
        }
    }

    public void Write(BinaryWriter writer, int videos)
    {
        var present = 0;
        for (var i = 0; i < videos; i++)
        {
            present += _lists[i] is null ? 0 : 1;
        }

        writer.Write(present);
        for (var i = 0; i < videos; i++)
        {
            if (_lists[i] is not { } list)
            {
                continue;
            }

            writer.Write(i);
            writer.Write(list.AtMs);
            writer.Write(list.Count);
            for (var j = 0; j < list.Count; j++)
            {
                writer.Write(list.Ids[j]);
                writer.Write(list.Weights[j]);
            }
        }
    }

    public void Read(BinaryReader reader)
    {
        var present = reader.ReadInt32();
        for (var n = 0; n < present; n++)
        {
            var video = reader.ReadInt32();
            EnsureCapacity(video + 1);
            var list = new Neighbours { AtMs = reader.ReadInt64(), Count = reader.ReadInt32() };
            list.Grow(Math.Clamp(list.Count, Neighbours.InitialWidth, Width));
            for (var j = 0; j < list.Count; j++)
            {
                list.Ids[j] = reader.ReadInt32();
                list.Weights[j] = reader.ReadSingle();
            }

            _lists[video] = list;
        }
    }

    // Lists start small and double up to Width: most videos of a large catalogue have a handful of
    // co-watched neighbours, and full-width lists for all of them would cost about 300 bytes each.
    private sealed class Neighbours
    {
        public const int InitialWidth = 4;
        public int[] Ids = new int[InitialWidth];
        public float[] Weights = new float[InitialWidth];
        public int Count;
        public long AtMs;

        public void Grow(int width)
        {
            if (width > Ids.Length)
            {
                Array.Resize(ref Ids, width);
                Array.Resize(ref Weights, width);
            }
        }
    }
}
