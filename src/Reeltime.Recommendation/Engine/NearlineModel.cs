using System.Diagnostics;
using System.Numerics.Tensors;
using Reeltime.Recommendation.Offline;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// The engine's nearline model: EASE, the offline evaluation's strongest single source, fitted now and then on
/// every viewer's recent favourites over the most long-watched videos, and scored for a viewer from their
/// favourites as they are at the moment of the request. The item × item weights change only when it is
/// refitted; what a viewer just watched counts at once.
/// </summary>
/// <remarks>
/// The rest of the engine learns one event at a time, and one pass of stochastic steps does not see the
/// co-engagement structure that a closed form over all viewers does (docs/benchmarks.md, "The live For You
/// engine, measured"). The model is read only by serving, never by learning, so when a refit lands cannot
/// change what the engine learns, and replay stays exact whatever the machine's speed. It holds aggregates
/// only (weights between videos), no viewer's data: a viewer's part of the score is computed from their
/// own favourites when they ask.
/// </remarks>
internal sealed class NearlineModel
{
    public static readonly NearlineModel Empty = new([], [], new ItemMatrix(0), new ItemMatrix(0), TimeSpan.Zero);

    private const int TransitionWindow = 5;
    private const float TransitionStepDecay = 0.7f;
    private const int TransitionAnchors = 10;
    private const float TransitionRecencyDecay = 0.7f;

    // Unseen head videos whose mean score sets the viewer's scale (the head of the list sits near 1).
    private const int ScaleDepth = 20;

    private readonly int[] _videos;
    private readonly int[] _position;
    private readonly ItemMatrix _weights;
    private readonly ItemMatrix _next;

    private NearlineModel(int[] videos, int[] position, ItemMatrix weights, ItemMatrix next, TimeSpan fitTime)
    {
        _videos = videos;
        _position = position;
        _weights = weights;
        _next = next;
        FitTime = fitTime;
    }

    /// <summary>Videos the model covers (the most long-watched at the time of the fit).</summary>
    public int Count => _videos.Length;

    /// <summary>How long the fit took, gathering excluded.</summary>
    public TimeSpan FitTime { get; }

    /// <summary>A view that counts as a favourite: watched long, liked or shared.</summary>
    public static bool IsFavourite(in RecentWatch watch) => (watch.Flags & (WatchFlags.LongWatch | WatchFlags.Liked | WatchFlags.Shared)) != 0;

    /// <summary>
    /// Copies what a fit needs out of the engine's state: the <paramref name="videos"/> most long-watched
    /// videos (ties to the lower index) and each viewer's favourites among them. Runs under the engine's read
    /// lock, so it is kept to a copy; the fit itself runs without any lock.
    /// </summary>
    public static NearlineInput Gather(IEnumerable<UserProfile> viewers, ReadOnlySpan<float> longWatches, int catalogue, int videos)
    {
        var counts = longWatches[..Math.Min(catalogue, longWatches.Length)];
        var chosen = new PriorityQueue<int, (float, int)>();
        for (var v = 0; v < counts.Length; v++)
        {
            if (counts[v] <= 0)
            {
                continue;
            }

            // Smallest first: the queue's head is the weakest chosen video; a lower index wins ties.
            var key = (counts[v], -v);
            if (chosen.Count < videos)
            {
                chosen.Enqueue(v, key);
            }
            else if (chosen.TryPeek(out _, out var weakest) && Comparer<(float, int)>.Default.Compare(key, weakest) > 0)
            {
                chosen.DequeueEnqueue(v, key);
            }
        }

        var head = new int[chosen.Count];
        for (var i = head.Length - 1; i >= 0; i--)
        {
            head[i] = chosen.Dequeue();
        }

        var position = new int[catalogue];
        Array.Fill(position, -1);
        for (var i = 0; i < head.Length; i++)
        {
            position[head[i]] = i;
        }

        // Per viewer, the covered favourites as model indices, oldest first: a few hundred bytes each, so a
        // hundred thousand viewers copy in tens of megabytes.
        var favourites = new List<int[]>();
        var scratch = new List<int>(UserProfile.RecentCapacity);
        foreach (var viewer in viewers)
        {
            scratch.Clear();
            for (var i = viewer.RecentCount - 1; i >= 0; i--)
            {
                ref var watch = ref viewer.RecentAt(i);
                if (IsFavourite(watch) && (uint)watch.Video < (uint)position.Length && position[watch.Video] >= 0)
                {
                    scratch.Add(position[watch.Video]);
                }
            }

            if (scratch.Count > 0)
            {
                favourites.Add([.. scratch]);
            }
        }

        return new NearlineInput(head, position, favourites);
    }

    /// <summary>
    /// Fits EASE with L2 penalty <paramref name="penalty"/>, and the sequence part when asked, on what
    /// <see cref="Gather"/> copied. <paramref name="scratch"/> is the n × n buffer the closed form is solved in:
    /// reused when it is large enough, replaced when it is not, so refits do not leave a 32 MB large object
    /// behind each time (they fragmented the large-object heap when they came back to back).
    /// </summary>
    public static NearlineModel Fit(NearlineInput input, double penalty, bool sequence, ref double[]? scratch)
    {
        ArgumentNullException.ThrowIfNull(input);
        var n = input.Videos.Length;
        if (n < 2 || input.Favourites.Count == 0)
        {
            return Empty;
        }

        var started = Stopwatch.GetTimestamp();
        if (scratch is null || scratch.Length < n * n)
        {
            scratch = new double[n * n];
        }

        // Co-engagement counts, each viewer's covered favourites as a row of 0s and 1s against each other,
        // straight into the buffer the closed form solves in, with the penalty on the diagonal.
        var gram = scratch.AsSpan(0, n * n);
        gram.Clear();
        var next = new ItemMatrix(sequence ? n : 0);
        foreach (var favourites in input.Favourites)
        {
            if (sequence)
            {
                AddTransitions(next, favourites);
            }

            var items = favourites.Distinct().ToArray();
            foreach (var i in items)
            {
                var row = gram.Slice(i * n, n);
                foreach (var j in items)
                {
                    row[j]++;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            gram[(i * n) + i] += penalty;
        }

        var weights = EaseScorer.SolveInPlace(scratch, n);
        NormaliseRows(next);
        return new NearlineModel(input.Videos, input.Position, weights, next, Stopwatch.GetElapsedTime(started));
    }

    // What a viewer favours within a few favourites after (and, weighing half, before) each favourite, the
    // nearer the more: the order EASE's sets leave out, which the next video of a sequence follows
    // (the offline transition source's form and settings).
    private static void AddTransitions(ItemMatrix next, int[] sequence)
    {
        for (var a = 0; a < sequence.Length; a++)
        {
            var weight = 1f;
            for (var d = 1; d <= TransitionWindow && a + d < sequence.Length; d++, weight *= TransitionStepDecay)
            {
                var b = sequence[a + d];
                if (b != sequence[a])
                {
                    next.Row(sequence[a])[b] += weight;
                    next.Row(b)[sequence[a]] += weight * 0.5f;
                }
            }
        }
    }

    // Each row divided by the square root of its total, so popular videos do not lead every row.
    private static void NormaliseRows(ItemMatrix next)
    {
        for (var i = 0; i < next.ItemCount; i++)
        {
            var row = next.Row(i);
            var total = TensorPrimitives.Sum(row);
            if (total > 0)
            {
                TensorPrimitives.Multiply(row, 1 / MathF.Sqrt(total), row);
            }
        }
    }

    /// <summary>The model's index of an engine video, or -1 when it does not cover it.</summary>
    public int PositionOf(int video) => (uint)video < (uint)_position.Length ? _position[video] : -1;

    /// <summary>The engine video at the model's index <paramref name="position"/>.</summary>
    public int VideoAt(int position) => _videos[position];

    /// <summary>
    /// Scores every covered video for <paramref name="viewer"/> from their favourites now: the EASE part (each
    /// favourite's weight part flat, part halving every <paramref name="recencyHalfLife"/> favourites) plus
    /// <paramref name="transitionWeight"/> × the sequence part (from the latest ten), each on a per-viewer
    /// scale where the mean of the best <see cref="ScaleDepth"/> videos they have not favoured is 1. Returns
    /// false, leaving <paramref name="scores"/> at 0, when the model has nothing to say about them.
    /// </summary>
    public bool Score(UserProfile viewer, Span<float> scores, Span<bool> favoured, Span<float> buffer, float recencyHalfLife = 0, float recencyShare = 1, float transitionWeight = 0)
    {
        var n = _videos.Length;
        scores = scores[..n];
        favoured = favoured[..n];
        scores.Clear();
        favoured.Clear();
        if (n == 0)
        {
            return false;
        }

        var any = false;
        var step = recencyHalfLife > 0 ? MathF.Pow(0.5f, 1 / recencyHalfLife) : 1;
        var weight = 1f;
        for (var i = 0; i < viewer.RecentCount; i++)
        {
            ref var watch = ref viewer.RecentAt(i);
            var at = IsFavourite(watch) ? PositionOf(watch.Video) : -1;
            if (at >= 0 && !favoured[at])
            {
                favoured[at] = true;
                _weights.AddRow(at, (1 - recencyShare) + (recencyShare * weight), scores);
                any = true;
                weight *= step;
            }
        }

        if (!any || !ScaleToHead(scores, favoured))
        {
            scores.Clear();
            return false;
        }

        if (transitionWeight > 0 && _next.ItemCount == n)
        {
            var sequence = buffer[..n];
            sequence.Clear();
            var anchors = 0;
            var anchorWeight = 1f;
            for (var i = 0; i < viewer.RecentCount && anchors < TransitionAnchors; i++)
            {
                ref var watch = ref viewer.RecentAt(i);
                var at = IsFavourite(watch) ? PositionOf(watch.Video) : -1;
                if (at >= 0)
                {
                    _next.AddRow(at, anchorWeight, sequence);
                    anchors++;
                    anchorWeight *= TransitionRecencyDecay;
                }
            }

            if (ScaleToHead(sequence, favoured))
            {
                TensorPrimitives.MultiplyAdd(sequence, transitionWeight, scores, scores);
            }
        }

        return true;
    }

    // Divides scores by the mean of the best unfavoured ones; false when that mean is not positive. The
    // offline blend's head scale (BlendedScorer) standardises and sorts first: too slow for every request.
    private static bool ScaleToHead(Span<float> scores, ReadOnlySpan<bool> favoured)
    {
        Span<float> best = stackalloc float[ScaleDepth];
        var kept = 0;
        for (var j = 0; j < scores.Length; j++)
        {
            if (favoured[j])
            {
                continue;
            }

            var s = scores[j];
            if (kept < ScaleDepth)
            {
                best[kept++] = s;
            }
            else
            {
                var weakest = TensorPrimitives.IndexOfMin(best);
                if (s > best[weakest])
                {
                    best[weakest] = s;
                }
            }
        }

        var scale = kept == 0 ? 0 : TensorPrimitives.Sum(best[..kept]) / kept;
        if (scale <= 1e-6f)
        {
            return false;
        }

        TensorPrimitives.Multiply(scores, 1 / scale, scores);
        return true;
    }

    /// <summary>The weight from favourite <paramref name="anchor"/> toward <paramref name="video"/> (model indices).</summary>
    public float Weight(int anchor, int video) => _weights.Row(anchor)[video];
}

/// <summary>What a nearline fit reads, copied out of the engine's state.</summary>
/// <param name="Videos">The covered engine videos, by model index.</param>
/// <param name="Position">Engine video → model index, or -1.</param>
/// <param name="Favourites">Per viewer with any, their covered favourites as model indices, oldest first.</param>
internal sealed record NearlineInput(int[] Videos, int[] Position, List<int[]> Favourites);
