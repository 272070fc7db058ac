using System.Numerics.Tensors;
using Reeltime.Platform.Events;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// A label derived from an event: its target, how much it counts, how it moves interests and trends, and
/// its weight in the viewer's affinity model (0 for the watch labels: the affinity model learns from the
/// watch ratio itself, a graded signal).
/// </summary>
internal readonly record struct Label(string Name, float Target, float Weight, float Interest, float Trend, bool Positive, float Affinity = 0);

/// <summary>The labels of short-video signals (documented in docs/engine.md).</summary>
internal static class Labels
{
    public static readonly Label LongWatch = new("long-watch", 1, 1.0f, 1.0f, 1f, true);
    public static readonly Label Completion = new("completion", 1, 0.7f, 0.5f, 0.5f, true);
    public static readonly Label Replay = new("replay", 1, 1.5f, 1.0f, 1f, true);
    public static readonly Label Skip = new("skip", 0, 1.0f, -0.6f, 0, false);
    public static readonly Label Like = new("like", 1, 2.0f, 2.0f, 3f, true, 1.0f);
    public static readonly Label Unlike = new("unlike", 0, 1.0f, -2.0f, 0, false, 0.5f);
    public static readonly Label Share = new("share", 1, 3.0f, 3.0f, 5f, true, 1.5f);
    public static readonly Label Comment = new("comment", 1, 1.5f, 1.5f, 2f, true, 0.75f);
    public static readonly Label Bookmark = new("bookmark", 1, 2.0f, 2.0f, 2f, true, 1.0f);
    public static readonly Label FollowFromVideo = new("follow", 1, 3.0f, 2.0f, 2f, true, 1.0f);
    public static readonly Label NotInterested = new("not-interested", 0, 4.0f, -5.0f, 0, false, 2.0f);

    /// <summary>A view shorter than this is a skip whatever the client says.</summary>
    public const int SkipUnderMs = 2_000;

    /// <summary>A view under this share of the video is a skip.</summary>
    public const float SkipUnderRatio = 0.1f;

    /// <summary>A view of at least this share of the video is a long watch.</summary>
    public const float LongWatchRatio = 0.5f;
}

public sealed partial class ForYouEngine
{
    private const long DayMs = 86_400_000;

    // A viewer whose client has not reported an impression for a day is treated as one that does not.
    private const long ImpressionReportsLapseMs = DayMs;
    private const float AffinityLimit = 8;
    private long _unknownVideoEvents;
    private long _audienceDay;
    private int _audienceToday;
    private int _audienceYesterday;

    /// <summary>Events that named a video the catalogue did not know (skipped).</summary>
    public long UnknownVideoEvents => Interlocked.Read(ref _unknownVideoEvents);

    private void ApplyOne(long offset, in WatchEvent e)
    {
        // Event time drives every decay and window, so a replay reproduces the same state. The log is
        // ordered by arrival; a slightly earlier stamp is treated as arriving now.
        var now = Math.Max(e.ServerTimeMs, _lastEventMs);
        _lastEventMs = now;
        FinaliseImpressions(now);
        switch (e.Type)
        {
            case WatchEventType.InterestsReset:
                if (e.UserId != 0 && _profiles.TryGetValue(e.UserId, out var reset))
                {
                    reset.ResetLearned();
                    _users.Remove(e.UserId);
                }

                return;
            case WatchEventType.InterestRemoved:
                if (e.UserId != 0)
                {
                    ForgetSubject(Profile(e.UserId), e.CreatorId, e.SessionId, hide: false);
                }

                return;
            case WatchEventType.NotInterestedInSubject:
                if (e.UserId != 0)
                {
                    ForgetSubject(Profile(e.UserId), e.CreatorId, e.SessionId, hide: true);
                }

                return;
            case WatchEventType.NotInterestedWithdrawn:
                if (e.UserId != 0 && _profiles.TryGetValue(e.UserId, out var relenting))
                {
                    ShowSubjectAgain(relenting, e.CreatorId, e.SessionId);
                }

                return;
            case WatchEventType.Follow:
                if (e.UserId != 0 && _catalog.TryGetCreator(e.CreatorId, out var followed))
                {
                    Followed(Profile(e.UserId), followed, offset, now);
                }

                return;
            case WatchEventType.Unfollow:
                if (e.UserId != 0 && _catalog.TryGetCreator(e.CreatorId, out var unfollowed))
                {
                    // Only the following source forgets; what the viewer watched of the creator still counts.
                    Profile(e.UserId).Unfollow(unfollowed);
                }

                return;
        }

        if (!_catalog.TryGetIndex(e.VideoId, out var video))
        {
            _unknownVideoEvents++;
            return;
        }

        var profile = e.UserId != 0 ? Profile(e.UserId) : null;
        if (profile is not null)
        {
            CountAudience(profile, now);
            profile.LastEventMs = now;
            if (_catalog.CreatorId(_catalog.CreatorOf(video)) == e.UserId)
            {
                // A creator watching, liking or sharing their own video says nothing about their taste or the
                // video's appeal: it stays out of their interests, the video's rates, trends and first audience
                // (so no one lifts their own video by watching it), and only counts as seen.
                if (e.Type is not (WatchEventType.Served or WatchEventType.NotInterested))
                {
                    profile.MarkSeen(video, now, _seenWindowMs, Options.MaxSeenPerUser);
                }

                return;
            }
        }

        switch (e.Type)
        {
            case WatchEventType.Served or WatchEventType.Impression:
                Impression(profile, video, now, e.Type == WatchEventType.Served);
                break;
            case WatchEventType.Play:
                if (profile is not null)
                {
                    profile.WatchOf(video, now);
                    profile.MarkSeen(video, now, _seenWindowMs, Options.MaxSeenPerUser);
                    if (_impressions.TryFind(profile.UserId, video, out var played))
                    {
                        Shown(played);
                    }
                }

                break;
            case WatchEventType.Progress or WatchEventType.Complete or WatchEventType.Replay or WatchEventType.Skip:
                Watched(profile, video, e, offset, now);
                break;
            case WatchEventType.Like:
                Engaged(profile, video, Labels.Like, Outcome.Like, WatchFlags.Liked, offset, now);
                break;
            case WatchEventType.Unlike:
                Engaged(profile, video, Labels.Unlike, Outcome.None, WatchFlags.None, offset, now);
                break;
            case WatchEventType.Share:
                Engaged(profile, video, Labels.Share, Outcome.Share, WatchFlags.Shared, offset, now);
                break;
            case WatchEventType.Comment:
                Engaged(profile, video, Labels.Comment, Outcome.None, WatchFlags.Engaged, offset, now);
                break;
            case WatchEventType.Bookmark:
                Engaged(profile, video, Labels.Bookmark, Outcome.None, WatchFlags.Engaged, offset, now);
                break;
            case WatchEventType.NotInterested:
                if (profile is not null)
                {
                    profile.HideVideo(video);
                    Learn(profile, video, Labels.NotInterested, offset, now);
                }

                break;
        }
    }

    private void Impression(UserProfile? profile, int video, long now, bool served)
    {
        if (profile is null)
        {
            // Visitors' impressions count for the video (trending, first audiences), once per serve.
            if (served)
            {
                CountImpression(video);
            }

            return;
        }

        // Served is what the server sent; an impression is what the client put on screen. A client that
        // reports impressions fetches ahead: what it was served counts only once it says it showed it, so a
        // video left unshown at the end of a session is neither a negative for the ranker nor an impression
        // of its first audience. A client that never reports them (a script on the API) is taken at its
        // word that what it was served, it showed.
        bool shown;
        if (served)
        {
            profile.MarkServed(video, now, _seenWindowMs, _servedHoldMs, Options.MaxSeenPerUser);
            shown = !ReportsImpressions(profile, now);
        }
        else
        {
            profile.MarkSeen(video, now, _seenWindowMs, Options.MaxSeenPerUser);
            profile.ImpressionReportedMs = now;
            shown = true;
        }

        if (_impressions.TryOpen(profile.UserId, video, now, shown, out var slot))
        {
            Span<float> query = stackalloc float[_dim];
            var hasQuery = QueryVector(profile, query);
            if (hasQuery)
            {
                TensorPrimitives.Multiply(query, 1 / TensorPrimitives.Norm(query), query);
            }

            // Features as at serving, even when the client's word comes later: they are what ranked it.
            Features(profile, video, now, hasQuery ? query : default, CoWatchScore(profile, video, now), null, _impressions.Features(slot));
            if (shown)
            {
                CountImpression(video);
            }
        }
        else if (!served)
        {
            Shown(slot);
        }
    }

    /// <summary>Whether the viewer's client reports what it puts on screen (an impression within the last day).</summary>
    private static bool ReportsImpressions(UserProfile profile, long now) =>
        profile.ImpressionReportedMs != 0 && now - profile.ImpressionReportedMs <= ImpressionReportsLapseMs;

    /// <summary>Counts an impression opened at serving once the viewer is known to have had it on screen.</summary>
    private void Shown(int slot)
    {
        if (_impressions.Show(slot))
        {
            CountImpression(_impressions.Video(slot));
        }
    }

    private void CountImpression(int video)
    {
        ref var counters = ref _stats[video];
        counters.Impressions++;
        _stats.TotalImpressions++;
        _stats.CreatorImpressions[_catalog.CreatorOf(video)]++;
        var stage = counters.Stage;
        if (stage >= Options.FreshStages.Length)
        {
            return;
        }

        counters.StageImpressions++;
        _stats.TotalStageImpressions++;
        if (counters.StageImpressions >= StageSize(stage))
        {
            // The stage is over: promote only if engagement beats the stage's bar.
            var mean = _stats.MeanStageRate;
            var rate = VideoStats.Posterior(counters.StageSuccesses, counters.StageImpressions, mean);
            counters.Stage = rate >= Options.FreshStageBars[stage] * mean ? (byte)(stage + 1) : VideoStats.Stopped;
        }
    }

    /// <summary>Impressions of a stage of the first audience, scaled down to the daily audience (see <see cref="EngineOptions.FreshFirstStageAudienceShare"/>).</summary>
    private int StageSize(int stage)
    {
        var stages = Options.FreshStages;
        var smallest = Math.Min(1.0, Options.FreshFirstStageMinimum / (double)stages[0]);
        var scale = Math.Clamp(Options.FreshFirstStageAudienceShare * DailyAudience / stages[0], smallest, 1.0);
        return Math.Max(1, (int)Math.Round(stages[stage] * scale));
    }

    /// <summary>Viewers active today or yesterday (event time), whichever is more.</summary>
    private int DailyAudience => Math.Max(_audienceToday, _audienceYesterday);

    // Counted on event time from each profile's previous event, so a replay counts the same.
    private void CountAudience(UserProfile profile, long now)
    {
        var day = now / DayMs;
        if (day > _audienceDay)
        {
            _audienceYesterday = day == _audienceDay + 1 ? _audienceToday : 0;
            _audienceToday = 0;
            _audienceDay = day;
        }

        if (profile.LastEventMs == 0 || profile.LastEventMs / DayMs != day)
        {
            _audienceToday++;
        }
    }

    private void Watched(UserProfile? profile, int video, in WatchEvent e, long offset, long now)
    {
        var duration = _catalog.DurationMs(video);
        var watchedMs = Math.Max(e.WatchTimeMs, e.PositionMs);
        var ratio = e.Type switch
        {
            WatchEventType.Complete or WatchEventType.Replay => 1f,
            _ when duration > 0 => Math.Min(1f, watchedMs / (float)duration),
            WatchEventType.Progress => 0.5f,
            _ => 0f,
        };
        var skipped = e.Type == WatchEventType.Skip || (e.Type != WatchEventType.Progress && ratio < 1 && (watchedMs < Labels.SkipUnderMs || ratio < Labels.SkipUnderRatio));
        if (e.Type == WatchEventType.Skip)
        {
            // The viewer said they left: however short the clip, a skip is never read as a long watch.
            ratio = Math.Min(ratio, Labels.LongWatchRatio - 0.01f);
        }

        if (profile is null)
        {
            if (ratio >= Labels.LongWatchRatio)
            {
                CountLongWatch(video);
            }

            return;
        }

        profile.MarkSeen(video, now, _seenWindowMs, Options.MaxSeenPerUser);
        ref var watch = ref profile.WatchOf(video, now);
        var credited = watch.WatchRatio;
        if ((watch.Flags & WatchFlags.Rated) == 0)
        {
            watch.Flags |= WatchFlags.Rated;
            LearnAffinity(profile, video, ratio, 1, now, view: true);
        }
        else if (ratio > credited)
        {
            LearnAffinity(profile, video, ratio, 1, now, view: false, credited);
        }

        watch.WatchRatio = Math.Max(watch.WatchRatio, ratio);
        var open = _impressions.TryFind(profile.UserId, video, out var slot);
        if (open)
        {
            Shown(slot);
            _impressions.Record(slot, Outcome.None, ratio);
        }

        if (skipped && ratio < Labels.LongWatchRatio && (watch.Flags & (WatchFlags.Skipped | WatchFlags.LongWatch)) == 0)
        {
            watch.Flags |= WatchFlags.Skipped;
            Learn(profile, video, Labels.Skip, offset, now);
            return;
        }

        if (ratio >= Labels.LongWatchRatio && (watch.Flags & WatchFlags.LongWatch) == 0)
        {
            watch.Flags |= WatchFlags.LongWatch;
            CountLongWatch(video);
            if (open)
            {
                _impressions.Record(slot, Outcome.LongWatch, ratio);
            }

            Learn(profile, video, Labels.LongWatch, offset, now);
        }

        if (e.Type == WatchEventType.Complete && (watch.Flags & WatchFlags.Completed) == 0)
        {
            watch.Flags |= WatchFlags.Completed;
            Learn(profile, video, Labels.Completion, offset, now);
        }

        if (e.Type == WatchEventType.Replay && (watch.Flags & WatchFlags.Replayed) == 0)
        {
            watch.Flags |= WatchFlags.Replayed;
            Learn(profile, video, Labels.Replay, offset, now);
        }
    }

    private void CountLongWatch(int video)
    {
        _stats[video].LongWatches++;
        _stats.TotalLongWatches++;
        _stats.CreatorLongWatches[_catalog.CreatorOf(video)]++;
        if (_stats[video].Stage < Options.FreshStages.Length)
        {
            _stats[video].StageSuccesses++;
            _stats.TotalStageSuccesses++;
        }
    }

    private void Engaged(UserProfile? profile, int video, Label label, Outcome outcome, WatchFlags flag, long offset, long now)
    {
        if (label.Positive)
        {
            _stats.AddTrend(video, label.Trend, now, _trendHalfLifeMs);
        }

        // Public engagement from every surface (profile pages, shares, other feeds) counts for popularity.
        ref var engagements = ref _stats[video].Engagements;
        engagements = Math.Max(0, engagements + (label.Positive ? 1 : label.Target == 0 && label.Name == Labels.Unlike.Name ? -1 : 0));
        if (profile is null)
        {
            return;
        }

        ref var watch = ref profile.WatchOf(video, now);
        if (flag != WatchFlags.None)
        {
            if ((watch.Flags & flag) != 0 && flag != WatchFlags.Engaged)
            {
                return;
            }

            watch.Flags |= flag;
        }

        // Rates are per impression: only an outcome of an impression the engine knows counts in them, so a
        // video liked from elsewhere does not look as if every viewer it was shown to liked it.
        if (outcome != Outcome.None && _impressions.TryFind(profile.UserId, video, out var slot))
        {
            Shown(slot);
            _impressions.Record(slot, outcome, 0);
            if (outcome == Outcome.Like)
            {
                _stats[video].Likes++;
                _stats.TotalLikes++;
            }
            else if (outcome == Outcome.Share)
            {
                _stats[video].Shares++;
                _stats.TotalShares++;
            }
        }

        Learn(profile, video, label, offset, now, trend: false);
    }

    private void Followed(UserProfile profile, int creator, long offset, long now)
    {
        profile.Follow(creator);
        profile.AddInterest(false, creator, 2, now, _interestHalfLifeMs);

        // A follow within the outcome window of watching one of the creator's videos is that video's label.
        for (var i = 0; i < Math.Min(profile.RecentCount, 10); i++)
        {
            ref var watch = ref profile.RecentAt(i);
            if (_catalog.CreatorOf(watch.Video) == creator && now - watch.AtMs <= _outcomeWindowMs)
            {
                _stats[watch.Video].Follows++;
                _stats.TotalFollows++;
                if (_impressions.TryFind(profile.UserId, watch.Video, out var slot))
                {
                    Shown(slot);
                    _impressions.Record(slot, Outcome.Follow, 0);
                }

                Learn(profile, watch.Video, Labels.FollowFromVideo, offset, now);
                break;
            }
        }
    }

    /// <summary>
    /// One step of the viewer's affinity model: logistic regression of "watches on" (the watch ratio as a
    /// soft label) on the video's hashtags and creator, with a slow part (weeks) and a fast part (the
    /// session) trained on the same error. Because the step follows the error, a hashtag that only rides
    /// along with a loved one (a second hashtag on a video the viewer watches for its first) gains little:
    /// the loved one already explains the watch. The fast part is what lets a feed follow a change of
    /// taste within a session; the slow part is what it remembers the next day.
    /// </summary>
    /// <param name="profile">The viewer.</param>
    /// <param name="video">The video.</param>
    /// <param name="target">The soft label in [0, 1].</param>
    /// <param name="weight">How much the label counts.</param>
    /// <param name="now">Event time.</param>
    /// <param name="view">True for a view's first watch ratio (counts as evidence about its subjects).</param>
    /// <param name="credited">For a later event of a view already learned from, the ratio already credited: only the gain is learned.</param>
    private void LearnAffinity(UserProfile profile, int video, float target, float weight, long now, bool view, float credited = float.NaN)
    {
        var error = float.IsNaN(credited) ? target - Sigmoid(AffinityLogit(profile, video, now, out _, out _)) : target - credited;
        var g = error * weight;
        if (g == 0)
        {
            return;
        }

        var slowRate = Options.AffinityLearningRate;
        var fastRate = Options.SessionLearningRate;
        var tags = _catalog.HashtagsOf(video);
        Span<float> weights = stackalloc float[tags.Length];
        HashtagWeights(video, tags, weights);
        for (var i = 0; i < tags.Length; i++)
        {
            ref var affinity = ref profile.AffinityOf(true, tags[i], now, _interestHalfLifeMs, _sessionHalfLifeMs);
            Step(ref affinity, g * weights[i], view ? weights[i] : 0);
        }

        Step(ref profile.AffinityOf(false, _catalog.CreatorOf(video), now, _interestHalfLifeMs, _sessionHalfLifeMs), g, view ? 1 : 0);

        // The bias learns the viewer's general appetite, more slowly, so that subjects keep the credit.
        profile.Bias.DecayTo(now, _interestHalfLifeMs, _sessionHalfLifeMs);
        Step(ref profile.Bias, g * 0.3f, view ? 1 : 0);

        // The video's own term is shared by every viewer: its quality, net of whom it was shown to.
        ref var quality = ref _stats[video].Quality;
        quality = Math.Clamp(quality + (Options.VideoQualityLearningRate * g), -AffinityLimit, AffinityLimit);

        void Step(ref Affinity affinity, float gradient, float views)
        {
            affinity.Slow = Math.Clamp(affinity.Slow + (slowRate * gradient), -AffinityLimit, AffinityLimit);
            affinity.Fast = Math.Clamp(affinity.Fast + (fastRate * gradient), -AffinityLimit, AffinityLimit);
            affinity.Views += views;
            affinity.SessionViews += views;
        }
    }

    /// <summary>The affinity model's log-odds that the viewer watches the video on; its viewer-specific slow and fast parts.</summary>
    private float AffinityLogit(UserProfile profile, int video, long now, out float slow, out float fast)
    {
        slow = 0;
        fast = 0;
        var tags = _catalog.HashtagsOf(video);
        Span<float> weights = stackalloc float[tags.Length];
        HashtagWeights(video, tags, weights);
        for (var i = 0; i < tags.Length; i++)
        {
            if (profile.HashtagAffinity.TryGetValue(tags[i], out var affinity))
            {
                slow += weights[i] * affinity.SlowAt(now, _interestHalfLifeMs);
                fast += weights[i] * affinity.FastAt(now, _sessionHalfLifeMs);
            }
        }

        if (profile.CreatorAffinity.TryGetValue(_catalog.CreatorOf(video), out var creator))
        {
            slow += creator.SlowAt(now, _interestHalfLifeMs);
            fast += creator.FastAt(now, _sessionHalfLifeMs);
        }

        return slow + fast + _stats[video].Quality + profile.Bias.SlowAt(now, _interestHalfLifeMs) + profile.Bias.FastAt(now, _sessionHalfLifeMs);
    }

    /// <summary>
    /// Each hashtag's input to the affinity model: its relevance to the video (see
    /// <see cref="VideoCatalog.HashtagRelevance"/>), scaled so the squares sum to one. A video's central
    /// hashtag gets the credit for a watch, an incidental one little.
    /// </summary>
    private void HashtagWeights(int video, ReadOnlySpan<int> tags, Span<float> weights)
    {
        _catalog.HashtagRelevances(video, weights);
        var squares = 0f;
        for (var i = 0; i < tags.Length; i++)
        {
            squares += weights[i] * weights[i];
        }

        if (squares > 0)
        {
            var scale = 1 / MathF.Sqrt(squares);
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] *= scale;
            }
        }
    }

    private static float Sigmoid(float logit) => 1 / (1 + MathF.Exp(-Math.Clamp(logit, -30, 30)));

    /// <summary>Moves interests, the short-term taste, the embeddings, trends and co-watch counts for one label.</summary>
    private void Learn(UserProfile profile, int video, Label label, long offset, long now, bool trend = true)
    {
        if (label.Affinity > 0)
        {
            LearnAffinity(profile, video, label.Target, label.Affinity, now, view: false);
        }

        var tags = _catalog.HashtagsOf(video);
        var creator = _catalog.CreatorOf(video);
        var perTag = label.Interest / MathF.Sqrt(Math.Max(1, tags.Length));
        foreach (var tag in tags)
        {
            profile.AddInterest(true, tag, perTag, now, _interestHalfLifeMs);
        }

        profile.AddInterest(false, creator, label.Interest * 0.7f, now, _interestHalfLifeMs);
        if (trend && label.Positive)
        {
            _stats.AddTrend(video, label.Trend, now, _trendHalfLifeMs);
        }

        Span<float> query = stackalloc float[_dim];
        Span<float> item = stackalloc float[_dim];
        var userRow = _users.Touch(profile.UserId, now);
        _videos.Touch(_catalog.VideoId(video), now);
        _creators.Touch(_catalog.CreatorId(creator), now);
        foreach (var tag in tags)
        {
            _hashtags.Touch(_catalog.HashtagId(tag), now);
        }

        profile.ShortTerm.CopyTo(query);
        if (userRow >= 0)
        {
            TensorPrimitives.Add(query, _users.Row(userRow), query);
        }

        TrainPair(userRow, query, video, label.Target, label.Weight, item);
        if (label.Positive)
        {
            for (var k = 0; k < Options.NegativesPerPositive; k++)
            {
                // Negatives drawn from the log offset, not from a random generator's state, so replay draws the same.
                var negative = NegativeOf(offset, k);
                if (negative != video && _catalog.IsRecommendable(negative))
                {
                    TrainPair(userRow, query, negative, 0, label.Weight * 0.5f, item);
                }
            }
        }

        // The short-term taste follows what the viewer enjoys now, and steps away from what they skip.
        ItemVector(video, item);
        var norm = TensorPrimitives.Norm(item);
        if (norm > 1e-6f)
        {
            if (label.Positive)
            {
                TensorPrimitives.Multiply(profile.ShortTerm, 0.85f, profile.ShortTerm);
                TensorPrimitives.MultiplyAdd(item, 0.15f * Math.Min(2, label.Weight) / norm, profile.ShortTerm, profile.ShortTerm);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(item, -0.05f * label.Weight / norm, profile.ShortTerm, profile.ShortTerm);
            }
        }

        if (label.Positive && label.Target > 0 && (label.Name is "long-watch" or "like" or "share"))
        {
            var anchors = 0;
            for (var i = 0; i < profile.RecentCount && anchors < 5; i++)
            {
                ref var earlier = ref profile.RecentAt(i);
                if (earlier.Video == video || (earlier.Flags & (WatchFlags.LongWatch | WatchFlags.Liked | WatchFlags.Shared)) == 0)
                {
                    continue;
                }

                if (now - earlier.AtMs > TimeSpan.FromDays(1).TotalMilliseconds)
                {
                    break;
                }

                _coWatch.Add(earlier.Video, video, 1f / (1 + anchors), now);
                anchors++;
            }
        }

        MarkDirty(video);
    }

    /// <summary>One logistic step on (viewer, video): the viewer's row moves toward or away from the video, and the video's parts toward or away from the viewer.</summary>
    private void TrainPair(int userRow, ReadOnlySpan<float> query, int video, float target, float weight, Span<float> item)
    {
        ItemVector(video, item);
        var logit = TensorPrimitives.Dot(query, item);
        var p = 1 / (1 + MathF.Exp(-Math.Clamp(logit, -30, 30)));
        var g = (p - target) * weight;
        var rate = Options.EmbeddingLearningRate;
        if (userRow >= 0)
        {
            _users.StepScaled(userRow, item, g, rate);
        }

        var row = _videos.Find(_catalog.VideoId(video));
        if (row >= 0)
        {
            _videos.StepScaled(row, query, g, rate);
        }

        row = _creators.Find(_catalog.CreatorId(_catalog.CreatorOf(video)));
        if (row >= 0)
        {
            _creators.StepScaled(row, query, g, rate);
        }

        var tags = _catalog.HashtagsOf(video);
        foreach (var tag in tags)
        {
            row = _hashtags.Find(_catalog.HashtagId(tag));
            if (row >= 0)
            {
                _hashtags.StepScaled(row, query, g / tags.Length, rate);
            }
        }
    }

    private void FinaliseImpressions(long now)
    {
        Span<float> labels = stackalloc float[Ranker.Tasks];
        while (_impressions.TryTakeExpired(now - _outcomeWindowMs, Options.MaxPendingImpressions, out var slot))
        {
            if (!_impressions.IsShown(slot))
            {
                // Fetched ahead and never on screen: no example, and no watch time to count.
                _impressions.Release(slot);
                continue;
            }

            var outcome = _impressions.OutcomeOf(slot);
            var ratio = _impressions.Ratio(slot);
            labels[(int)RankerTask.LongWatch] = (outcome & Outcome.LongWatch) != 0 ? 1 : 0;
            labels[(int)RankerTask.Like] = (outcome & Outcome.Like) != 0 ? 1 : 0;
            labels[(int)RankerTask.Share] = (outcome & Outcome.Share) != 0 ? 1 : 0;
            labels[(int)RankerTask.Follow] = (outcome & Outcome.Follow) != 0 ? 1 : 0;
            labels[(int)RankerTask.WatchRatio] = ratio;
            _ranker.Train(_impressions.Features(slot), labels);
            var video = _impressions.Video(slot);
            _stats[video].WatchRatioSum += ratio;
            _stats.TotalWatchRatio += ratio;
            _impressions.Release(slot);
        }
    }

    /// <summary>Drops (and, when <paramref name="hide"/>, blocks) a creator or hashtag from what is learned about the viewer.</summary>
    private void ForgetSubject(UserProfile profile, long creatorId, long hashtagId, bool hide)
    {
        var userRow = _users.Find(profile.UserId);
        if (creatorId != 0)
        {
            if (!_catalog.TryGetCreator(creatorId, out var creator))
            {
                return;
            }

            profile.Creators.Remove(creator);
            if (hide)
            {
                profile.HideCreator(creator);
            }

            ProjectOut(profile, userRow, _creators, _creators.Find(creatorId));
        }
        else if (hashtagId != 0)
        {
            if (!_catalog.TryGetHashtag(hashtagId, out var hashtag))
            {
                return;
            }

            profile.Hashtags.Remove(hashtag);
            if (hide)
            {
                profile.HideHashtag(hashtag);
            }

            ProjectOut(profile, userRow, _hashtags, _hashtags.Find(hashtagId));
        }
    }

    // Only the refusal is taken back: what was forgotten when it was made (the learned interest and its
    // direction in the viewer's vectors) stays forgotten, and is learned again from what the viewer watches.
    private void ShowSubjectAgain(UserProfile profile, long creatorId, long hashtagId)
    {
        if (creatorId != 0)
        {
            if (_catalog.TryGetCreator(creatorId, out var creator))
            {
                profile.ShowCreator(creator);
            }
        }
        else if (hashtagId != 0 && _catalog.TryGetHashtag(hashtagId, out var hashtag))
        {
            profile.ShowHashtag(hashtag);
        }
    }

    // Removes the subject's direction from the viewer's vectors, so deleting an interest also stops the
    // embedding retrieval from leaning toward it, not only the explicit interest list.
    private void ProjectOut(UserProfile profile, int userRow, EmbeddingTable table, int subjectRow)
    {
        if (subjectRow < 0)
        {
            return;
        }

        var subject = table.Row(subjectRow);
        var squared = TensorPrimitives.Dot(subject, subject);
        if (squared < 1e-9f)
        {
            return;
        }

        RemoveComponent(profile.ShortTerm, subject, squared);
        if (userRow >= 0)
        {
            RemoveComponent(_users.Row(userRow), subject, squared);
        }

        static void RemoveComponent(Span<float> vector, ReadOnlySpan<float> direction, float squared)
        {
            var along = TensorPrimitives.Dot(vector, direction) / squared;
            if (along > 0)
            {
                TensorPrimitives.MultiplyAdd(direction, -along, vector, vector);
            }
        }
    }

    private float CoWatchScore(UserProfile profile, int video, long now)
    {
        if (!_coWatch.Has(video))
        {
            return 0;
        }

        Span<int> anchors = stackalloc int[Anchors];
        return _coWatch.Score(video, anchors[..CoWatchAnchors(profile, anchors)], now);
    }

    /// <summary>The viewer's latest videos watched long, liked or shared, newest first (at most <see cref="Anchors"/>).</summary>
    private static int CoWatchAnchors(UserProfile profile, Span<int> anchors)
    {
        var n = 0;
        for (var i = 0; i < profile.RecentCount && n < anchors.Length; i++)
        {
            ref var watch = ref profile.RecentAt(i);
            if ((watch.Flags & (WatchFlags.LongWatch | WatchFlags.Liked | WatchFlags.Shared)) != 0)
            {
                anchors[n++] = watch.Video;
            }
        }

        return n;
    }

    private int NegativeOf(long offset, int k) => (int)(Mix((ulong)offset, (ulong)k) % (ulong)_catalog.Count);

    private static ulong Mix(ulong a, ulong b)
    {
        var z = a + (b * 0x9E3779B97F4A7C15UL) + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
