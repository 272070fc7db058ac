using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Engine;

/// <summary>The ranker's tasks, in the order of its outputs.</summary>
internal enum RankerTask
{
    LongWatch = 0,
    Like = 1,
    Share = 2,
    Follow = 3,
    WatchRatio = 4,
}

/// <summary>The ranker's input features, in order. Every feature is computed from engine state alone, so
/// the features of a logged impression can be recomputed exactly on replay.</summary>
public static class RankerFeatures
{
    public const int Bias = 0;
    public const int Similarity = 1;
    public const int HashtagInterestMax = 2;
    public const int HashtagInterestMin = 3;
    public const int CreatorInterest = 4;
    public const int FollowsCreator = 5;
    public const int CoWatch = 6;
    public const int VideoLongWatchRate = 7;
    public const int VideoLikeRate = 8;
    public const int VideoShareRate = 9;
    public const int VideoFollowRate = 10;
    public const int VideoWatchRatio = 11;
    public const int Impressions = 12;
    public const int Trending = 13;
    public const int Freshness = 14;
    public const int UserActivity = 15;
    public const int CreatorLongWatchRate = 16;
    public const int Duration = 17;
    public const int Affinity = 18;
    public const int SessionAffinity = 19;
    public const int Popularity = 20;
    public const int VideoQuality = 21;
    public const int Count = 22;

    public static readonly string[] Names =
    [
        "bias", "similarity", "hashtag-interest", "hashtag-dislike", "creator-interest", "follows-creator",
        "co-watched", "video-long-watch-rate", "video-like-rate", "video-share-rate", "video-follow-rate",
        "video-watch-ratio", "impressions", "trending", "freshness", "viewer-activity", "creator-long-watch-rate", "duration",
        "affinity", "session-affinity", "popularity", "video-quality",
    ];
}

/// <summary>
/// The multi-task ranker: wide and deep. Each of the five tasks (P(long watch), P(like), P(share),
/// P(follow), expected watch ratio) has a linear "wide" part over the features and a head on a hidden
/// layer shared by all tasks (shared-bottom multi-task learning), trained online with Adagrad on the
/// cross-entropy of each task. The wide parts start from stated priors so a new installation ranks
/// sensibly before it has learned anything; learning moves them.
/// </summary>
internal sealed class Ranker
{
    public const int Tasks = 5;
    public const int Hidden = 16;
    private const int F = RankerFeatures.Count;

    private readonly float[] _wide = new float[Tasks * F];
    private readonly float[] _hiddenWeights = new float[Hidden * F];
    private readonly float[] _hiddenBias = new float[Hidden];
    private readonly float[] _heads = new float[Tasks * Hidden];
    private readonly float[] _wideSquares = new float[Tasks * F];
    private readonly float[] _hiddenSquares = new float[Hidden * F];
    private readonly float[] _hiddenBiasSquares = new float[Hidden];
    private readonly float[] _headSquares = new float[Tasks * Hidden];
    private readonly float _rate;

    public Ranker(float rate, int seed)
    {
        _rate = rate;
        var random = new Random(seed);
        for (var i = 0; i < _hiddenWeights.Length; i++)
        {
            _hiddenWeights[i] = (float)((random.NextDouble() - 0.5) * 0.4);
        }

        Array.Fill(_wideSquares, 0.1f);
        Array.Fill(_hiddenSquares, 0.1f);
        Array.Fill(_hiddenBiasSquares, 0.1f);
        Array.Fill(_headSquares, 0.1f);
        SetPriors();
    }

    /// <summary>Examples trained on so far.</summary>
    public long Trained { get; private set; }

    /// <summary>The wide weight of a feature for a task (for explanations: which signals contributed).</summary>
    public float WideWeight(RankerTask task, int feature) => _wide[((int)task * F) + feature];

    /// <summary>Predicts the five tasks for features <paramref name="x"/> into <paramref name="output"/>.</summary>
    public void Predict(ReadOnlySpan<float> x, Span<float> output)
    {
        Span<float> hidden = stackalloc float[Hidden];
        Forward(x, hidden, output);
    }

    /// <summary>One online step on one labelled impression.</summary>
    public void Train(ReadOnlySpan<float> x, ReadOnlySpan<float> labels, float weight = 1)
    {
        Span<float> hidden = stackalloc float[Hidden];
        Span<float> output = stackalloc float[Tasks];
        Span<float> hiddenGradient = stackalloc float[Hidden];
        Span<float> step = stackalloc float[2 * F];
        Forward(x, hidden, output);
        hiddenGradient.Clear();
        for (var t = 0; t < Tasks; t++)
        {
            // d(cross-entropy)/d(logit) = p - y for every task; the watch ratio is a soft label in [0, 1].
            var g = (output[t] - labels[t]) * weight;
            if (g == 0)
            {
                continue;
            }

            var head = _heads.AsSpan(t * Hidden, Hidden);
            TensorPrimitives.MultiplyAdd(head, g, hiddenGradient, hiddenGradient);
            AdagradStep(_wide.AsSpan(t * F, F), _wideSquares.AsSpan(t * F, F), x, g, step);
            AdagradStep(head, _headSquares.AsSpan(t * Hidden, Hidden), hidden, g, step);
        }

        for (var h = 0; h < Hidden; h++)
        {
            if (hidden[h] <= 0 || hiddenGradient[h] == 0)
            {
                continue;
            }

            var g = hiddenGradient[h];
            AdagradStep(_hiddenWeights.AsSpan(h * F, F), _hiddenSquares.AsSpan(h * F, F), x, g, step);
            _hiddenBiasSquares[h] += g * g;
            _hiddenBias[h] -= _rate * g / MathF.Sqrt(_hiddenBiasSquares[h]);
        }

        Trained++;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Trained);
        foreach (var array in new[] { _wide, _hiddenWeights, _hiddenBias, _heads, _wideSquares, _hiddenSquares, _hiddenBiasSquares, _headSquares })
        {
            writer.Write(array.Length);
            foreach (var x in array)
            {
                writer.Write(x);
            }
        }
    }

    public void Read(BinaryReader reader)
    {
        Trained = reader.ReadInt64();
        foreach (var array in new[] { _wide, _hiddenWeights, _hiddenBias, _heads, _wideSquares, _hiddenSquares, _hiddenBiasSquares, _headSquares })
        {
            if (reader.ReadInt32() != array.Length)
            {
                throw new InvalidDataException("The snapshot's ranker has another shape than this version's.");
            }

            for (var i = 0; i < array.Length; i++)
            {
                array[i] = reader.ReadSingle();
            }
        }
    }

    private void Forward(ReadOnlySpan<float> x, Span<float> hidden, Span<float> output)
    {
        for (var h = 0; h < Hidden; h++)
        {
            hidden[h] = Math.Max(0, TensorPrimitives.Dot(_hiddenWeights.AsSpan(h * F, F), x) + _hiddenBias[h]);
        }

        for (var t = 0; t < Tasks; t++)
        {
            var logit = TensorPrimitives.Dot(_wide.AsSpan(t * F, F), x) + TensorPrimitives.Dot(_heads.AsSpan(t * Hidden, Hidden), hidden);
            output[t] = 1 / (1 + MathF.Exp(-Math.Clamp(logit, -30, 30)));
        }
    }

    private void AdagradStep(Span<float> weights, Span<float> squares, ReadOnlySpan<float> input, float g, Span<float> step)
    {
        // gradient = g × input; squares += gradient²; weights −= rate × gradient / sqrt(squares). Whole-span
        // operations (vectorised), where a loop per weight took a square root and a division one at a time;
        // squares start at 0.1, so a zero gradient moves nothing, as before.
        var gradient = step[..input.Length];
        var roots = step.Slice(input.Length, input.Length);
        TensorPrimitives.Multiply(input, g, gradient);
        TensorPrimitives.MultiplyAdd(gradient, gradient, squares, squares);
        TensorPrimitives.Multiply(gradient, _rate, gradient);
        TensorPrimitives.Sqrt(squares, roots);
        TensorPrimitives.Divide(gradient, roots, gradient);
        TensorPrimitives.Subtract(weights, gradient, weights);
    }

    // The priors: what a sensible person would guess before any data. Published in docs/engine.md.
    private void SetPriors()
    {
        Prior(RankerTask.LongWatch, RankerFeatures.Bias, -1.2f);
        Prior(RankerTask.LongWatch, RankerFeatures.Similarity, 1.5f);
        Prior(RankerTask.LongWatch, RankerFeatures.HashtagInterestMax, 3.0f);
        Prior(RankerTask.LongWatch, RankerFeatures.HashtagInterestMin, 2.0f);
        Prior(RankerTask.LongWatch, RankerFeatures.CreatorInterest, 1.5f);
        Prior(RankerTask.LongWatch, RankerFeatures.FollowsCreator, 0.5f);
        Prior(RankerTask.LongWatch, RankerFeatures.CoWatch, 1.0f);
        Prior(RankerTask.LongWatch, RankerFeatures.VideoLongWatchRate, 2.0f);
        Prior(RankerTask.LongWatch, RankerFeatures.Trending, 0.5f);
        Prior(RankerTask.LongWatch, RankerFeatures.CreatorLongWatchRate, 1.0f);

        Prior(RankerTask.LongWatch, RankerFeatures.Affinity, 3.0f);
        Prior(RankerTask.LongWatch, RankerFeatures.SessionAffinity, 3.0f);
        Prior(RankerTask.LongWatch, RankerFeatures.Popularity, 0.5f);
        Prior(RankerTask.LongWatch, RankerFeatures.VideoQuality, 3.0f);

        Prior(RankerTask.WatchRatio, RankerFeatures.Bias, -1.0f);
        Prior(RankerTask.WatchRatio, RankerFeatures.Affinity, 2.5f);
        Prior(RankerTask.WatchRatio, RankerFeatures.SessionAffinity, 2.5f);
        Prior(RankerTask.WatchRatio, RankerFeatures.VideoQuality, 2.5f);
        Prior(RankerTask.WatchRatio, RankerFeatures.Similarity, 1.0f);
        Prior(RankerTask.WatchRatio, RankerFeatures.HashtagInterestMax, 2.0f);
        Prior(RankerTask.WatchRatio, RankerFeatures.HashtagInterestMin, 1.5f);
        Prior(RankerTask.WatchRatio, RankerFeatures.CreatorInterest, 1.0f);
        Prior(RankerTask.WatchRatio, RankerFeatures.CoWatch, 0.5f);
        Prior(RankerTask.WatchRatio, RankerFeatures.VideoWatchRatio, 2.0f);

        Prior(RankerTask.Like, RankerFeatures.Bias, -3.0f);
        Prior(RankerTask.Like, RankerFeatures.HashtagInterestMax, 1.5f);
        Prior(RankerTask.Like, RankerFeatures.CreatorInterest, 1.0f);
        Prior(RankerTask.Like, RankerFeatures.Similarity, 0.8f);
        Prior(RankerTask.Like, RankerFeatures.VideoLikeRate, 5.0f);
        Prior(RankerTask.Like, RankerFeatures.Affinity, 2.0f);
        Prior(RankerTask.Like, RankerFeatures.SessionAffinity, 1.5f);
        Prior(RankerTask.Like, RankerFeatures.Popularity, 0.5f);

        Prior(RankerTask.Share, RankerFeatures.Bias, -4.0f);
        Prior(RankerTask.Share, RankerFeatures.HashtagInterestMax, 1.0f);
        Prior(RankerTask.Share, RankerFeatures.VideoShareRate, 8.0f);

        Prior(RankerTask.Follow, RankerFeatures.Bias, -4.5f);
        Prior(RankerTask.Follow, RankerFeatures.FollowsCreator, -2.0f);
        Prior(RankerTask.Follow, RankerFeatures.CreatorInterest, 1.0f);
        Prior(RankerTask.Follow, RankerFeatures.VideoFollowRate, 8.0f);
    }

    private void Prior(RankerTask task, int feature, float weight) => _wide[((int)task * F) + feature] = weight;
}
