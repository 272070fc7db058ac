using System.Diagnostics;

namespace Reeltime.Recommendation.Engine;

public sealed partial class ForYouEngine
{
    /// <summary>Videos the nearline model covers now (0 before its first fit, or when it is turned off).</summary>
    public int NearlineVideos => _nearline.Count;

    /// <summary>How long the nearline model in force took to fit, its copy of the favourites excluded.</summary>
    public TimeSpan NearlineFitTime => _nearline.FitTime;

    /// <summary>Fits the nearline model now, on the state as it is, and waits for it (tests, evaluation, a restored snapshot).</summary>
    public void FitNearlineModel()
    {
        if (Options.Nearline.Videos > 0)
        {
            RefitNearline(background: false);
        }
    }

    /// <summary>Whether the long watches have grown enough since the last fit (the writer, under the write lock).</summary>
    private bool NearlineDue()
    {
        var settings = Options.Nearline;
        if (settings.Videos == 0 || _stats.TotalLongWatches < _nextNearlineFitAt || Volatile.Read(ref _nearlineFitting) != 0)
        {
            return false;
        }

        // A server also spaces fits in time, so on a busy installation a fit's cost stays a small share of a
        // core; seeded runs go by the long-watch count alone, so they do not depend on the machine's speed.
        if (!Options.ReproducibleIndexRefresh && _nearline.Count > 0 && Stopwatch.GetElapsedTime(_nearlineFittedAt) < settings.RefitInterval)
        {
            return false;
        }

        var total = _stats.TotalLongWatches;
        _nextNearlineFitAt = total + Math.Clamp(total * settings.RefitGrowth, 1, settings.RefitAtMostEveryLongWatches);
        return true;
    }

    /// <summary>
    /// Copies the fit's input under the read lock (feed requests go on; the writer waits), then fits either
    /// here or on the thread pool, and swaps the new model in whole. A failed fit keeps the model in force.
    /// </summary>
    private void RefitNearline(bool background)
    {
        NearlineInput input;
        _lock.EnterReadLock();
        try
        {
            input = NearlineModel.Gather(_profiles.Values, _stats.LongWatchColumn(_catalog.Count), _catalog.Count, Options.Nearline.Videos);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        var penalty = Options.Nearline.Penalty;
        var sequence = Options.Nearline.SequenceWeight > 0;
        _nearlineFittedAt = Stopwatch.GetTimestamp();
        if (!background)
        {
            _nearline = FitWithScratch(input, penalty, sequence);
            return;
        }

        if (Interlocked.CompareExchange(ref _nearlineFitting, 1, 0) != 0)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            try
            {
                _nearline = FitWithScratch(input, penalty, sequence);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The model in force stays; the next due refit tries again. Counted for monitoring.
                Interlocked.Increment(ref _nearlineFailures);
            }
            finally
            {
                Volatile.Write(ref _nearlineFitting, 0);
            }
        });
    }

    // One solve buffer serves every fit. A fit takes it for its duration, so two fits at once (a test's or a
    // restored snapshot's beside a background one) never share it: the second makes its own.
    private NearlineModel FitWithScratch(NearlineInput input, double penalty, bool sequence)
    {
        var scratch = Interlocked.Exchange(ref _nearlineScratch, null);
        try
        {
            var model = NearlineModel.Fit(input, penalty, sequence, ref scratch);
            Interlocked.Increment(ref _nearlineFits);
            return model;
        }
        finally
        {
            Volatile.Write(ref _nearlineScratch, scratch);
        }
    }

    /// <summary>Nearline fits that completed since start (a restored snapshot's included).</summary>
    public long NearlineFits => Interlocked.Read(ref _nearlineFits);

    /// <summary>Whether a background nearline fit is running now.</summary>
    public bool NearlineFitting => Volatile.Read(ref _nearlineFitting) != 0;

    /// <summary>Nearline fits that failed since start (the model in force stayed).</summary>
    public long NearlineFailures => Interlocked.Read(ref _nearlineFailures);

    /// <summary>
    /// The nearline model's scores for the viewer, per model index, into <paramref name="scores"/>; false when
    /// it has nothing to say (no model yet, or no favourite it covers).
    /// </summary>
    private bool NearlineScores(NearlineModel model, UserProfile? profile, ref float[] scores, ref bool[] favoured, ref float[] buffer)
    {
        if (profile is null || model.Count == 0)
        {
            return false;
        }

        if (scores.Length < model.Count || buffer.Length < model.Count)
        {
            scores = new float[model.Count];
            favoured = new bool[model.Count];
            buffer = new float[model.Count];
        }

        var settings = Options.Nearline;
        return model.Score(profile, scores, favoured, buffer, settings.RecencyHalfLife, settings.RecencyShare, settings.SequenceWeight);
    }

    /// <summary>Adds the videos the nearline model scores best for the viewer (not yet favoured) as candidates.</summary>
    private static void AddRelated(ServeScratch scratch, NearlineModel model, int budget)
    {
        if (budget <= 0)
        {
            return;
        }

        var top = scratch.RelatedTop;
        top.Clear();
        var scores = scratch.NearlineScores;
        for (var j = 0; j < model.Count; j++)
        {
            if (scratch.NearlineFavoured[j] || scores[j] <= 0)
            {
                continue;
            }

            if (top.Count < budget)
            {
                top.Enqueue(j, scores[j]);
            }
            else if (top.TryPeek(out _, out var weakest) && scores[j] > weakest)
            {
                top.DequeueEnqueue(j, scores[j]);
            }
        }

        while (top.TryDequeue(out var j, out var score))
        {
            scratch.Add(model.VideoAt(j), CandidateSource.Related, score, -1, -1);
        }
    }

    /// <summary>The viewer's favourite that relates most to <paramref name="video"/> in the nearline model, or -1.</summary>
    private static int RelatedAnchor(NearlineModel model, UserProfile profile, int video)
    {
        var at = model.PositionOf(video);
        if (at < 0)
        {
            return -1;
        }

        var best = -1;
        var bestWeight = 0f;
        for (var i = 0; i < profile.RecentCount; i++)
        {
            ref var watch = ref profile.RecentAt(i);
            var anchor = NearlineModel.IsFavourite(watch) ? model.PositionOf(watch.Video) : -1;
            var weight = anchor >= 0 ? model.Weight(anchor, at) : 0;
            if (weight > bestWeight)
            {
                best = watch.Video;
                bestWeight = weight;
            }
        }

        return best;
    }
}
