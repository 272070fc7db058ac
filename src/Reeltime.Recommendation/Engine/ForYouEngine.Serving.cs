using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Engine;

public sealed partial class ForYouEngine
{
    // Each hashtag's list of popular videos is this deep, so viewers who watched its best still find more.
    private const int HashtagListLength = 200;
    private const float HashtagQualityWeight = 5;

    // A session at least this dissatisfied broadens each block of ten to one video per subject, except
    // subjects whose session affinity shows they worked.
    private const float BroadenWhenDissatisfied = 0.5f;
    // Session evidence (log-odds of the fast part) at which a hashtag counts as having worked this session:
    // about one watch to half or more of a video the session did not expect the viewer to watch.
    private const float WorkedThisSession = 0.15f;

    // While a session fails, the score gains: whatever has worked in the session, per log-odds of its session
    // affinity (so anything that worked outranks anything untried), then novelty (an untried subject
    // outranks one tried once), then the video's quality term in log-odds (a test of a subject should be one
    // of its best videos, so that a miss says the subject does not appeal rather than the video).
    private const float SessionLead = 20;
    private const float NoveltyBonus = 3;
    private const float QualityLead = 1;

    // A failing session brings this many of each popular hashtag's best unseen videos, so the ranker can take
    // the best test of each.
    private const int FailingExplorePerHashtag = 10;

    // A session's first page comes after time away, when tastes may have moved without a sign yet: it keeps
    // the last four places of its first ten (the cheapest, by position bias) for exploration, one hashtag each.
    private static readonly int[] OpeningExplorePositions = [6, 7, 8, 9];

    /// <summary>The places (0-based) of a session's first page kept for exploration, for yardsticks that compare with it.</summary>
    public static IReadOnlyList<int> OpeningExplorePlaces => OpeningExplorePositions;

    // Exploration: the spread of a hashtag's draw with no evidence (log-odds), and videos tried per hashtag.
    private const float ExploreSpread = 2;
    private const int ExplorePerHashtag = 3;

    private static readonly CandidateSource[] ReasonPriority =
    [
        CandidateSource.Following, CandidateSource.CoWatched, CandidateSource.Related, CandidateSource.Similar, CandidateSource.TrendingInHashtag,
        CandidateSource.Fresh, CandidateSource.Explore, CandidateSource.Trending, CandidateSource.Recent,
    ];

    /// <summary>
    /// Ranks the viewer's next videos: candidate sources side by side with their budgets, filters (not
    /// recommendable, seen, not interested), the multi-task ranker, then re-ranking for diversity and
    /// exploration. Visibility against the database (blocks, private accounts) is the caller's last filter.
    /// </summary>
    public IReadOnlyList<RankedVideo> Recommend(RecommendationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        _lock.EnterReadLock();
        try
        {
            if (_catalog.Count == 0)
            {
                return [];
            }

            var scratch = ServeScratch.For(_catalog.Count, _dim);
            scratch.Begin();
            var board = _board;
            _profiles.TryGetValue(request.ViewerId, out var profile);
            var watchAgain = request.WatchAgainSince is not null && profile is not null;
            scratch.WatchAgain = watchAgain;
            scratch.SeenSinceMs = watchAgain ? Math.Min(now, request.WatchAgainSince!.Value.ToUnixTimeMilliseconds()) : now - _seenWindowMs;
            scratch.ServedSinceMs = Math.Max(scratch.SeenSinceMs, now - _servedHoldMs);
            if (request.RunStartedAt is { } runStarted && profile is not null && ReportsImpressions(profile, now))
            {
                // A start in the future (a forged cursor) would only free what this run fetched: held to now.
                scratch.ServedSinceMs = Math.Max(scratch.ServedSinceMs, Math.Min(now, runStarted.ToUnixTimeMilliseconds()));
            }
            scratch.ServedInRun = request.ServedInRun;
            scratch.SkippedBefore.Clear();
            scratch.WatchedBefore.Clear();
            if (watchAgain)
            {
                RecallViews(profile!, scratch.SkippedBefore, scratch.WatchedBefore);
            }

            var personal = request.Personalized && profile is not null;
            var random = new Random(unchecked((int)Mix((ulong)request.Seed, (ulong)request.ViewerId)));
            var budgets = Options.Budgets;
            var query = scratch.Query.AsSpan(0, _dim);
            var hasQuery = personal && QueryVector(profile!, query);
            if (hasQuery)
            {
                TensorPrimitives.Multiply(query, 1 / TensorPrimitives.Norm(query), query);
            }

            var follows = scratch.Follows;
            follows.Clear();
            if (request.Personalized && request.FollowedCreatorIds is { } followed)
            {
                foreach (var id in followed)
                {
                    if (_catalog.TryGetCreator(id, out var creator))
                    {
                        follows.Add(creator);
                    }
                }
            }

            // While the session goes badly, what was learned about the viewer over weeks is trusted less.
            var dissatisfaction = personal ? SessionDissatisfaction(profile!, now) : 0;
            var trust = 1 - dissatisfaction;
            var nearline = _nearline;
            var hasNearline = personal && NearlineScores(nearline, profile, ref scratch.NearlineScores, ref scratch.NearlineFavoured, ref scratch.NearlineBuffer);
            if (personal)
            {
                if (hasQuery)
                {
                    AddSimilar(scratch, query, budgets.Similar);
                }

                AddCoWatched(scratch, profile!, now, budgets.CoWatched);
                if (hasNearline)
                {
                    AddRelated(scratch, nearline, budgets.Related);
                }

                AddFollowing(scratch, profile!, follows, budgets.Following);
                AddTrendingInHashtags(scratch, board, profile!, now, trust, budgets.Trending / 2);
            }

            if (request.Personalized)
            {
                AddExplore(scratch, board, personal ? profile : null, random, now, trust, budgets.Explore);
            }

            AddList(scratch, board.Global, CandidateSource.Trending, personal ? budgets.Trending / 2 : budgets.Trending);
            AddFresh(scratch, board, random, budgets.Fresh);
            if (request.Personalized || request.ServedInRun is not null || scratch.Count < request.Count + request.Skip)
            {
                AddRecent(scratch, budgets.Recent);
            }

            Score(scratch, personal ? profile : null, profile, follows, hasQuery ? query : default, now, failing: dissatisfaction >= BroadenWhenDissatisfied, hasNearline ? nearline : null, trust);
            // A session's first page (after more than two session half-lives without an event) keeps places for
            // exploration: time away is when a taste moves without a sign, and the page is served blind.
            var opening = personal && !watchAgain && dissatisfaction < BroadenWhenDissatisfied && now - profile!.LastEventMs > (long)(Options.SessionHalfLife.TotalMilliseconds * 2);
            var picks = Rerank(scratch, request.Skip + request.Count, personal && profile!.Watches >= 5, personal ? profile : null, dissatisfaction, opening, now);
            var results = new List<RankedVideo>(Math.Max(0, picks.Count - request.Skip));
            for (var i = request.Skip; i < picks.Count; i++)
            {
                results.Add(Explain(scratch, picks[i], personal ? profile : null, request.Personalized || request.ViewerId == 0, nearline));
            }

            return results;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Scores the given videos for the viewer with the ranker alone (no sources, no filters), for offline
    /// evaluation's full ranking. Unknown videos score negative infinity.
    /// </summary>
    public void ScoreVideos(long viewerId, ReadOnlySpan<long> videoIds, Span<float> scores)
    {
        var now = Math.Max(_lastEventMs, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        _lock.EnterReadLock();
        try
        {
            _profiles.TryGetValue(viewerId, out var profile);
            Span<float> query = stackalloc float[_dim];
            Span<float> x = stackalloc float[F];
            Span<float> predictions = stackalloc float[Ranker.Tasks];
            var hasQuery = profile is not null && QueryVector(profile, query);
            if (hasQuery)
            {
                TensorPrimitives.Multiply(query, 1 / TensorPrimitives.Norm(query), query);
            }

            var nearline = _nearline;
            float[] nearlineScores = [];
            bool[] favoured = [];
            float[] buffer = [];
            var hasNearline = NearlineScores(nearline, profile, ref nearlineScores, ref favoured, ref buffer);
            var nearlineWeight = Options.Weights.Related;
            Span<int> anchors = stackalloc int[Anchors];
            anchors = anchors[..(profile is null ? 0 : CoWatchAnchors(profile, anchors))];
            for (var i = 0; i < videoIds.Length; i++)
            {
                if (!_catalog.TryGetIndex(videoIds[i], out var video))
                {
                    scores[i] = float.NegativeInfinity;
                    continue;
                }

                var coWatch = _coWatch.Score(video, anchors, now);
                Features(profile, video, now, hasQuery ? query : default, coWatch, null, x);
                _ranker.Predict(x, predictions);
                scores[i] = Combine(predictions);
                if (hasNearline && nearline.PositionOf(video) is >= 0 and var at)
                {
                    scores[i] += nearlineWeight * nearlineScores[at];
                }
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private float Combine(ReadOnlySpan<float> p)
    {
        var w = Options.Weights;
        return (w.LongWatch * p[(int)RankerTask.LongWatch]) + (w.Like * p[(int)RankerTask.Like]) + (w.Share * p[(int)RankerTask.Share])
            + (w.Follow * p[(int)RankerTask.Follow]) + (w.WatchRatio * p[(int)RankerTask.WatchRatio]);
    }

    /// <summary>The ranker's features of (viewer, video); see <see cref="RankerFeatures"/>.</summary>
    private void Features(UserProfile? profile, int video, long now, ReadOnlySpan<float> query, float coWatch, HashSet<int>? follows, Span<float> x)
    {
        x.Clear();
        x[RankerFeatures.Bias] = 1;
        if (!query.IsEmpty)
        {
            // From the video's current vector, not the index's copy: the index lags by design, and features
            // must not depend on it, so that replay reproduces training exactly.
            Span<float> item = stackalloc float[_dim];
            ItemVector(video, item);
            var norm = TensorPrimitives.Norm(item);
            x[RankerFeatures.Similarity] = norm > 1e-6f ? TensorPrimitives.Dot(query, item) / norm : 0;
        }

        var creator = _catalog.CreatorOf(video);
        if (profile is not null)
        {
            float max = 0, min = 0;
            foreach (var tag in _catalog.HashtagsOf(video))
            {
                if (profile.Hashtags.TryGetValue(tag, out var interest))
                {
                    var w = MathF.Tanh(interest.At(now, _interestHalfLifeMs) / 3);
                    max = Math.Max(max, w);
                    min = Math.Min(min, w);
                }
            }

            x[RankerFeatures.HashtagInterestMax] = max;
            x[RankerFeatures.HashtagInterestMin] = min;
            if (profile.Creators.TryGetValue(creator, out var creatorInterest))
            {
                x[RankerFeatures.CreatorInterest] = MathF.Tanh(creatorInterest.At(now, _interestHalfLifeMs) / 3);
            }

            // The affinity model's log-odds (slow and fast parts), a quarter per unit so they sit near the other features' scale.
            AffinityLogit(profile, video, now, out var slow, out var fast);
            x[RankerFeatures.Affinity] = Math.Clamp(slow, -8, 8) / 4;
            x[RankerFeatures.SessionAffinity] = Math.Clamp(fast, -8, 8) / 4;
            x[RankerFeatures.FollowsCreator] = profile.Followed.Contains(creator) || (follows?.Contains(creator) ?? false) ? 1 : 0;
            x[RankerFeatures.CoWatch] = MathF.Log(1 + coWatch);
            x[RankerFeatures.UserActivity] = MathF.Log(1 + profile.Watches) / 6;
        }

        ref readonly var counters = ref _stats[video];
        var impressions = counters.Impressions;
        x[RankerFeatures.VideoLongWatchRate] = VideoStats.Posterior(counters.LongWatches, impressions, _stats.MeanLongWatchRate);
        x[RankerFeatures.VideoLikeRate] = VideoStats.Posterior(counters.Likes, impressions, _stats.MeanLikeRate);
        x[RankerFeatures.VideoShareRate] = VideoStats.Posterior(counters.Shares, impressions, _stats.MeanShareRate);
        x[RankerFeatures.VideoFollowRate] = VideoStats.Posterior(counters.Follows, impressions, _stats.MeanFollowRate);
        x[RankerFeatures.VideoWatchRatio] = VideoStats.Posterior(counters.WatchRatioSum, impressions, _stats.MeanWatchRatio);
        x[RankerFeatures.Impressions] = MathF.Log(1 + impressions) / 8;
        x[RankerFeatures.Popularity] = MathF.Log(1 + counters.Engagements) / 5;
        x[RankerFeatures.VideoQuality] = counters.Quality / 4;
        x[RankerFeatures.Trending] = MathF.Log(1 + counters.TrendAt(now, _trendHalfLifeMs)) / 5;
        x[RankerFeatures.Freshness] = MathF.Exp(-Math.Max(0, now - _catalog.CreatedAtMs(video)) / 86_400_000f);
        x[RankerFeatures.CreatorLongWatchRate] = VideoStats.Posterior(_stats.CreatorLongWatches[creator], _stats.CreatorImpressions[creator], _stats.MeanLongWatchRate);
        x[RankerFeatures.Duration] = MathF.Log(1 + (_catalog.DurationMs(video) / 1000f)) / 5;
    }

    private void AddSimilar(ServeScratch scratch, ReadOnlySpan<float> query, int budget)
    {
        if (budget <= 0)
        {
            return;
        }

        var ids = scratch.AnnIds.AsSpan(0, Math.Min(budget, scratch.AnnIds.Length));
        var similarities = scratch.AnnScores.AsSpan(0, ids.Length);
        var found = _index.Search(query, Math.Max(Options.IndexSearchBreadth, ids.Length), ids, similarities);
        for (var i = 0; i < found; i++)
        {
            scratch.Add(ids[i], CandidateSource.Similar, similarities[i], -1, -1);
        }
    }

    private void AddCoWatched(ServeScratch scratch, UserProfile profile, long now, int budget)
    {
        Span<int> ids = stackalloc int[CoWatchGraph.Width];
        Span<float> weights = stackalloc float[CoWatchGraph.Width];
        var anchors = 0;
        var added = 0;
        for (var i = 0; i < profile.RecentCount && anchors < Anchors; i++)
        {
            ref var watch = ref profile.RecentAt(i);
            if ((watch.Flags & (WatchFlags.LongWatch | WatchFlags.Liked | WatchFlags.Shared)) == 0)
            {
                continue;
            }

            var anchorWeight = 1f / (1 + anchors);
            anchors++;
            var n = _coWatch.NeighboursOf(watch.Video, now, ids, weights);
            for (var j = 0; j < n && added < budget; j++)
            {
                var before = scratch.Count;
                var slot = scratch.Add(ids[j], CandidateSource.CoWatched, weights[j] * anchorWeight, watch.Video, -1);
                if (slot >= 0)
                {
                    scratch.CoWatch[slot] += weights[j] * anchorWeight;
                }

                added += scratch.Count - before;
            }
        }
    }

    private void AddFollowing(ServeScratch scratch, UserProfile profile, HashSet<int> follows, int budget)
    {
        foreach (var creator in profile.Followed)
        {
            follows.Add(creator);
        }

        if (follows.Count == 0 || budget <= 0)
        {
            return;
        }

        var perCreator = Math.Max(2, budget / follows.Count);
        var added = 0;
        foreach (var creator in follows)
        {
            var videos = _catalog.VideosOf(creator);
            for (var i = videos.Count - 1; i >= 0 && i >= videos.Count - perCreator && added < budget; i--)
            {
                scratch.Add(videos[i], CandidateSource.Following, 1, -1, -1);
                added++;
            }
        }
    }

    private void AddTrendingInHashtags(ServeScratch scratch, Board board, UserProfile profile, long now, float trust, int budget)
    {
        // The hashtags the affinity model likes best now (slow and session parts together).
        var top = scratch.TopHashtags;
        top.Clear();
        foreach (var (tag, affinity) in profile.HashtagAffinity)
        {
            var weight = (trust * affinity.SlowAt(now, _interestHalfLifeMs)) + affinity.FastAt(now, _sessionHalfLifeMs);
            if (weight > 0 && !profile.HiddenHashtags.Contains(tag))
            {
                top.Add((tag, weight));
            }
        }

        top.Sort(static (a, b) => b.Weight.CompareTo(a.Weight));
        var hashtags = Math.Min(top.Count, 5);
        if (hashtags == 0)
        {
            return;
        }

        float total = 0;
        for (var i = 0; i < hashtags; i++)
        {
            total += top[i].Weight;
        }

        var sinceMs = scratch.SeenSinceMs;
        for (var i = 0; i < hashtags; i++)
        {
            if (board.ByHashtag.TryGetValue(top[i].Hashtag, out var videos))
            {
                // Unseen videos only, so a viewer who has watched a hashtag's best still gets its next best.
                var share = Math.Max(3, (int)(budget * top[i].Weight / total));
                for (var j = 0; j < videos.Length && share > 0; j++)
                {
                    if (!profile.HasSeen(videos[j], sinceMs, scratch.ServedSinceMs))
                    {
                        scratch.Add(videos[j], CandidateSource.TrendingInHashtag, 1, -1, top[i].Hashtag);
                        share--;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Exploration of hashtags: each popular hashtag gets a Thompson-style draw from what the affinity model
    /// holds of it for this viewer (its weight, plus noise that shrinks with the evidence behind it, in this
    /// session and before), and the best draws outside the viewer's favourites bring a few of their best
    /// unseen videos. Hashtags the viewer has never shown are the most uncertain, so they are tried first.
    /// </summary>
    private void AddExplore(ServeScratch scratch, Board board, UserProfile? profile, Random random, long now, float trust, int budget)
    {
        if (board.TopHashtags.Length == 0 || budget <= 0)
        {
            return;
        }

        var draws = scratch.ExploreDraws;
        draws.Clear();
        foreach (var tag in board.TopHashtags)
        {
            if (profile is not null && (profile.HiddenHashtags.Contains(tag) || IsFavourite(scratch, tag)))
            {
                continue;
            }

            float weight = 0, evidence = 0;
            if (profile is not null && profile.HashtagAffinity.TryGetValue(tag, out var affinity))
            {
                weight = (trust * affinity.SlowAt(now, _interestHalfLifeMs)) + affinity.FastAt(now, _sessionHalfLifeMs);
                evidence = (trust * affinity.ViewsAt(now, _interestHalfLifeMs)) + affinity.SessionViewsAt(now, _sessionHalfLifeMs);
            }

            draws.Add((tag, weight + (ExploreSpread * Normal(random) / MathF.Sqrt(1 + evidence))));
        }

        draws.Sort(static (a, b) => b.Draw.CompareTo(a.Draw));
        var perHashtagLimit = ExplorePerHashtag;
        if (trust <= 1 - BroadenWhenDissatisfied)
        {
            // A failing session looks everywhere: every popular hashtag brings its best, so the page can
            // try each one the session has not shown yet with one of its best videos.
            perHashtagLimit = FailingExplorePerHashtag;
            budget = Math.Max(budget, draws.Count * perHashtagLimit);
        }

        var sinceMs = scratch.SeenSinceMs;
        var added = 0;
        for (var i = 0; i < draws.Count && added < budget; i++)
        {
            if (!board.ByHashtag.TryGetValue(draws[i].Hashtag, out var videos))
            {
                continue;
            }

            var perHashtag = 0;
            for (var j = 0; j < videos.Length && perHashtag < perHashtagLimit && added < budget; j++)
            {
                if (profile is null || !profile.HasSeen(videos[j], sinceMs, scratch.ServedSinceMs))
                {
                    scratch.Add(videos[j], CandidateSource.Explore, draws[i].Draw, -1, draws[i].Hashtag);
                    perHashtag++;
                    added++;
                }
            }
        }

        static bool IsFavourite(ServeScratch scratch, int tag)
        {
            var favourites = Math.Min(scratch.TopHashtags.Count, 5);
            for (var i = 0; i < favourites; i++)
            {
                if (scratch.TopHashtags[i].Hashtag == tag)
                {
                    return true;
                }
            }

            return false;
        }
    }

    private static float Normal(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    private void AddList(ServeScratch scratch, int[] videos, CandidateSource source, int budget)
    {
        // A visitor's run passes over what it has served, so its budget reaches further down the list.
        var served = scratch.ServedInRun;
        for (int i = 0, added = 0; i < videos.Length && added < budget; i++)
        {
            if (served is null || !served.Contains(_catalog.VideoId(videos[i])))
            {
                scratch.Add(videos[i], source, 1, -1, -1);
                added++;
            }
        }
    }

    private void AddFresh(ServeScratch scratch, Board board, Random random, int budget)
    {
        var pool = board.Fresh;
        if (pool.Length == 0 || budget <= 0)
        {
            return;
        }

        // Thompson sampling: draw each fresh video's engagement rate from its posterior and take the best
        // draws, so promising new videos get impressions and unlucky ones still get a chance.
        var draws = scratch.FreshDraws;
        draws.Clear();
        var mean = _stats.MeanStageRate;
        var sampled = Math.Min(pool.Length, 1000);
        for (var i = 0; i < sampled; i++)
        {
            var video = pool.Length <= 1000 ? pool[i] : pool[random.Next(pool.Length)];
            ref readonly var counters = ref _stats[video];
            var successes = counters.StageSuccesses;
            var failures = Math.Max(0, counters.StageImpressions - successes);
            draws.Add((video, Beta(random, 1 + (10 * mean) + successes, 1 + (10 * (1 - mean)) + failures)));
        }

        draws.Sort(static (a, b) => b.Draw.CompareTo(a.Draw));
        for (var i = 0; i < draws.Count && i < budget; i++)
        {
            var slot = scratch.Add(draws[i].Video, CandidateSource.Fresh, draws[i].Draw, -1, -1);
            if (slot >= 0)
            {
                scratch.Sample[slot] = draws[i].Draw;
            }
        }
    }

    /// <summary>
    /// From the viewer's recent watches, for watching again: the videos whose latest view was a skip (left out)
    /// and those watched without one (said to be seen before; a video only served, never watched, is not).
    /// </summary>
    private static void RecallViews(UserProfile profile, HashSet<int> skipped, HashSet<int> watched)
    {
        for (var i = profile.RecentCount - 1; i >= 0; i--) // oldest first, so the latest view decides
        {
            ref readonly var watch = ref profile.RecentAt(i);
            if ((watch.Flags & WatchFlags.Skipped) != 0)
            {
                skipped.Add(watch.Video);
                watched.Remove(watch.Video);
            }
            else
            {
                skipped.Remove(watch.Video);
                watched.Add(watch.Video);
            }
        }
    }

    private void AddRecent(ServeScratch scratch, int budget)
    {
        var added = 0;
        for (var video = _catalog.Count - 1; video >= 0 && added < budget && video >= _catalog.Count - (budget * 4); video--)
        {
            if (_catalog.IsRecommendable(video) && scratch.ServedInRun?.Contains(_catalog.VideoId(video)) != true)
            {
                scratch.Add(video, CandidateSource.Recent, 1, -1, -1);
                added++;
            }
        }
    }

    private void Score(ServeScratch scratch, UserProfile? personal, UserProfile? viewer, HashSet<int> follows, ReadOnlySpan<float> query, long now, bool failing, NearlineModel? nearline, float trust)
    {
        // Like the other long-term signals, the nearline model (fitted on weeks of favourites) is trusted
        // less while the session goes badly: a taste that has just moved is not in it yet.
        var nearlineWeight = Options.Weights.Related * trust;
        Span<float> x = stackalloc float[F];
        Span<float> predictions = stackalloc float[Ranker.Tasks];
        var sinceMs = scratch.SeenSinceMs;
        var mean = _stats.MeanStageRate;
        for (var i = 0; i < scratch.Count; i++)
        {
            if (_looksAhead)
            {
                PrefetchCandidates(scratch, i);
            }

            var video = scratch.Videos[i];
            scratch.Kept[i] = false;
            if (!_catalog.IsRecommendable(video))
            {
                continue;
            }

            // The viewer's explicit choices and seen filter hold in every mode.
            if (viewer is not null && (viewer.HasSeen(video, sinceMs, scratch.ServedSinceMs) || scratch.SkippedBefore.Contains(video) || viewer.HiddenVideos.Contains(video) || viewer.HiddenCreators.Contains(_catalog.CreatorOf(video)) || HasHiddenHashtag(viewer, video)))
            {
                continue;
            }

            if (scratch.ServedInRun is { } served && served.Contains(_catalog.VideoId(video)))
            {
                continue;
            }

            Features(personal, video, now, query, scratch.CoWatch[i], follows, x);
            _ranker.Predict(x, predictions);
            var score = Combine(predictions);
            scratch.Related[i] = 0;
            if (nearline is not null && nearline.PositionOf(video) is >= 0 and var at)
            {
                // The nearline model's published term: the closed-form fit sees co-engagement that the
                // online ranker's one pass does not (see NearlineModel).
                scratch.Related[i] = nearlineWeight * scratch.NearlineScores[at];
                score += scratch.Related[i];
            }

            if (personal is not null && failing)
            {
                // A failing session follows what has just worked in it (the session part of the affinity model
                // leads), and otherwise tries subjects it has not shown yet, each with one of its best videos,
                // before it retries ones it has. What was believed before the session barely counts here.
                var sessionAffinity = x[RankerFeatures.SessionAffinity] * 4;
                score += (SessionLead * Math.Max(0, sessionAffinity)) + (NoveltyBonus * SessionNovelty(personal, video, now)) + (QualityLead * _stats[video].Quality);
            }

            if ((scratch.Sources[i] & CandidateSource.Fresh) != 0)
            {
                // Exploration: for the fresh slot a fresh video's long-watch chance is its posterior draw rather
                // than its (thin) estimate. Kept apart from the score, so exploration has a bounded share of
                // the feed (the fresh slot) instead of outbidding what the viewer is known to enjoy.
                scratch.Sample[i] = Options.Weights.LongWatch * (scratch.Sample[i] - mean);
            }

            scratch.Kept[i] = true;
            scratch.Scores[i] = score;
            predictions.CopyTo(scratch.Predictions.AsSpan(i * Ranker.Tasks, Ranker.Tasks));
            x.CopyTo(scratch.FeatureRows.AsSpan(i * F, F));
        }
    }

    // Scoring reads each candidate's catalogue fields, counters and embedding rows: random places in the
    // catalogue's arrays, each a chain (the video, then its table slot, then its row). As in Apply, three
    // stages a candidate apart ask for them ahead, each reading only what the stage before brought in.
    private void PrefetchCandidates(ServeScratch scratch, int i)
    {
        if (i + 3 < scratch.Count)
        {
            var video = scratch.Videos[i + 3];
            _catalog.PrefetchVideo(video);
            _stats.Prefetch(video);
        }

        if (i + 2 < scratch.Count)
        {
            var video = scratch.Videos[i + 2];
            _catalog.PrefetchTags(video);
            _videos.PrefetchSlot(_catalog.VideoId(video));
            _creators.PrefetchSlot(CreatorKeyOf(video));
        }

        if (i + 1 < scratch.Count)
        {
            var video = scratch.Videos[i + 1];
            _videos.PrefetchRow(_catalog.VideoId(video));
            _creators.PrefetchRow(CreatorKeyOf(video));
        }
    }

    private bool HasHiddenHashtag(UserProfile viewer, int video)
    {
        if (viewer.HiddenHashtags.Count == 0)
        {
            return false;
        }

        foreach (var tag in _catalog.HashtagsOf(video))
        {
            if (viewer.HiddenHashtags.Contains(tag))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// How badly the session is going, in [0, 1]: 0 while the viewer watches on at least 30 % of their
    /// recent views in this session, 1 when they watch on none of them. When it is high, what the engine
    /// believes about the viewer is what is failing, and broad evidence is the quickest way to learn what
    /// replaced it.
    /// </summary>
    private float SessionDissatisfaction(UserProfile profile, long now)
    {
        int views = 0, enjoyed = 0;
        var sessionMs = (long)(Options.SessionHalfLife.TotalMilliseconds * 2);
        for (var i = 0; i < profile.RecentCount && views < 10; i++)
        {
            ref var watch = ref profile.RecentAt(i);
            if (now - watch.AtMs > sessionMs)
            {
                break;
            }

            views++;
            enjoyed += (watch.Flags & (WatchFlags.LongWatch | WatchFlags.Liked | WatchFlags.Shared)) != 0 ? 1 : 0;
        }

        return views < 5 ? 0 : Math.Clamp((0.3f - (enjoyed / (float)views)) / 0.3f, 0, 1);
    }

    /// <summary>
    /// How new the video's subjects are to this session, in (0, 1]: 1 when none of its hashtags was shown in
    /// it. Each hashtag counts by its relevance to the video (squared weights sum to one), so a video about
    /// something untried is new even if a hashtag it carries in passing was shown.
    /// </summary>
    private float SessionNovelty(UserProfile profile, int video, long now)
    {
        var tags = _catalog.HashtagsOf(video);
        if (tags.IsEmpty)
        {
            return 0;
        }

        Span<float> weights = stackalloc float[tags.Length];
        HashtagWeights(video, tags, weights);
        var novelty = 0f;
        for (var i = 0; i < tags.Length; i++)
        {
            var views = profile.HashtagAffinity.TryGetValue(tags[i], out var affinity) ? affinity.SessionViewsAt(now, _sessionHalfLifeMs) : 0;
            novelty += weights[i] * weights[i] / (1 + views);
        }

        return novelty;
    }

    /// <summary>
    /// Greedy re-ranking by score under diversity rules: at most one video per creator in any
    /// <see cref="EngineOptions.CreatorWindow"/> consecutive, a per-hashtag cap in each block of ten, and a
    /// fresh video in each block of ten when one is available, and on a session's opening page exploration
    /// places (<see cref="OpeningExplorePositions"/>). Rules relax only when nothing else is left.
    /// </summary>
    private List<int> Rerank(ServeScratch scratch, int want, bool knownViewer, UserProfile? viewer, float dissatisfaction, bool opening, long now)
    {
        // While the session goes badly, each block of ten shows as many different hashtags as it can (one
        // video each), except those the session has just shown the viewer enjoys: a failing feed gathers
        // evidence as broadly as possible, and follows the first thing that works.
        var broaden = viewer is not null && dissatisfaction >= BroadenWhenDissatisfied ? viewer : null;
        var order = scratch.Order;
        order.Clear();
        for (var i = 0; i < scratch.Count; i++)
        {
            if (scratch.Kept[i])
            {
                order.Add(i);
            }
        }

        var scores = scratch.Scores;
        order.Sort((a, b) => scores[b].CompareTo(scores[a]));
        var picks = scratch.Picks;
        picks.Clear();
        var used = scratch.Used;
        used.Clear();
        var cap = knownViewer ? Options.HashtagCapPerTen : Math.Min(Options.HashtagCapPerTen, 2);
        var blockTags = scratch.BlockTags;
        var blockSubjects = scratch.BlockSubjects;
        var blockHasFresh = false;
        for (var position = 0; position < want && used.Count < order.Count; position++)
        {
            if (position % 10 == 0)
            {
                blockTags.Clear();
                blockSubjects.Clear();
                blockHasFresh = false;
            }

            var chosen = -1;
            if (opening && position < 10 && Array.IndexOf(OpeningExplorePositions, position) >= 0)
            {
                chosen = FirstAllowed(scratch, order, picks, blockTags, blockSubjects, cap, broaden, now, requireFresh: false, hashtagRule: true, creatorRule: true, requireExplore: true);
            }

            if (chosen < 0 && position % 10 == 4 && !blockHasFresh)
            {
                chosen = FirstAllowed(scratch, order, picks, blockTags, blockSubjects, cap, broaden, now, requireFresh: true, hashtagRule: true, creatorRule: true);
            }

            if (chosen < 0)
            {
                chosen = FirstAllowed(scratch, order, picks, blockTags, blockSubjects, cap, broaden, now, requireFresh: false, hashtagRule: true, creatorRule: true);
            }

            if (chosen < 0)
            {
                chosen = FirstAllowed(scratch, order, picks, blockTags, blockSubjects, cap, broaden, now, requireFresh: false, hashtagRule: false, creatorRule: true);
            }

            if (chosen < 0)
            {
                chosen = FirstAllowed(scratch, order, picks, blockTags, blockSubjects, cap, broaden, now, requireFresh: false, hashtagRule: false, creatorRule: false);
            }

            if (chosen < 0)
            {
                break;
            }

            used.Add(chosen);
            picks.Add(chosen);
            blockHasFresh |= (scratch.Sources[chosen] & CandidateSource.Fresh) != 0;
            foreach (var tag in _catalog.HashtagsOf(scratch.Videos[chosen]))
            {
                blockTags[tag] = blockTags.GetValueOrDefault(tag) + 1;
            }

            var subject = Subject(scratch.Videos[chosen]);
            if (subject >= 0)
            {
                blockSubjects[subject] = blockSubjects.GetValueOrDefault(subject) + 1;
            }
        }

        return picks;
    }

    /// <summary>What a video is about: its most relevant hashtag (-1 when it has none).</summary>
    private int Subject(int video)
    {
        var best = -1;
        var bestRelevance = 0f;
        var tags = _catalog.HashtagsOf(video);
        var relevances = _catalog.HashtagRelevances(video);
        for (var i = 0; i < tags.Length; i++)
        {
            if (relevances[i] > bestRelevance)
            {
                best = tags[i];
                bestRelevance = relevances[i];
            }
        }

        return best;
    }

    private int FirstAllowed(ServeScratch scratch, List<int> order, List<int> picks, Dictionary<int, int> blockTags, Dictionary<int, int> blockSubjects, int cap, UserProfile? broaden, long now, bool requireFresh, bool hashtagRule, bool creatorRule, bool requireExplore = false)
    {
        // The fresh slot goes to the fresh video with the best score plus exploration bonus: the viewer's
        // predicted enjoyment targets the first audience, the Thompson draw spreads it over uncertain videos.
        var best = -1;
        var bestValue = float.NegativeInfinity;
        foreach (var candidate in order)
        {
            if (scratch.Used.Contains(candidate) || (requireFresh && (scratch.Sources[candidate] & CandidateSource.Fresh) == 0))
            {
                continue;
            }

            // An exploration place takes the best-scored video of a hashtag being explored whose subject the
            // block has not shown yet: one answer per place.
            if (requireExplore && ((scratch.Sources[candidate] & CandidateSource.Explore) == 0 || blockSubjects.ContainsKey(Subject(scratch.Videos[candidate]))))
            {
                continue;
            }

            if (requireFresh && scratch.Scores[candidate] + scratch.Sample[candidate] <= bestValue)
            {
                continue;
            }

            var video = scratch.Videos[candidate];
            if (creatorRule)
            {
                var creator = _catalog.CreatorOf(video);
                var clash = false;
                for (var back = 1; back < Options.CreatorWindow && back <= picks.Count; back++)
                {
                    if (_catalog.CreatorOf(scratch.Videos[picks[^back]]) == creator)
                    {
                        clash = true;
                        break;
                    }
                }

                if (clash)
                {
                    continue;
                }
            }

            if (hashtagRule)
            {
                var over = false;
                foreach (var tag in _catalog.HashtagsOf(video))
                {
                    if (blockTags.GetValueOrDefault(tag) >= cap)
                    {
                        over = true;
                        break;
                    }
                }

                // Broadening counts what each video is about (its most relevant hashtag), not every hashtag
                // it carries: a second hashtag in passing must not keep a new subject off the page.
                if (!over && broaden is not null)
                {
                    var subject = Subject(video);
                    over = subject >= 0 && blockSubjects.GetValueOrDefault(subject) >= 1
                        && !(broaden.HashtagAffinity.TryGetValue(subject, out var affinity) && affinity.FastAt(now, _sessionHalfLifeMs) >= WorkedThisSession);
                }

                if (over)
                {
                    continue;
                }
            }

            if (!requireFresh)
            {
                return candidate;
            }

            best = candidate;
            bestValue = scratch.Scores[candidate] + scratch.Sample[candidate];
        }

        return best;
    }

    private RankedVideo Explain(ServeScratch scratch, int candidate, UserProfile? profile, bool personalized, NearlineModel nearline)
    {
        var video = scratch.Videos[candidate];
        var sources = scratch.Sources[candidate];
        var source = CandidateSource.None;
        foreach (var s in ReasonPriority)
        {
            if ((sources & s) != 0)
            {
                source = s;
                break;
            }
        }

        var creator = _catalog.CreatorName(_catalog.CreatorOf(video));
        // Each sentence names a hashtag only if it is true of that sentence: one the viewer's watching built an
        // interest in (similar), the one the source ranked in (popular in), or the one explored.
        string? Tag(int id) => id >= 0 ? _catalog.HashtagName(id) : null;
        var watchedTag = StrongestHashtag(profile, video);
        var (code, text) = source switch
        {
            CandidateSource.Following => ("following", $"From @{creator}, whom you follow"),
            CandidateSource.CoWatched when scratch.Anchor[candidate] >= 0 =>
                ("co-watched", $"People who enjoyed @{_catalog.CreatorName(_catalog.CreatorOf(scratch.Anchor[candidate]))}'s video you watched also watched this"),
            CandidateSource.Related when profile is not null && RelatedAnchor(nearline, profile, video) is >= 0 and var anchor =>
                ("related", $"People who enjoyed @{_catalog.CreatorName(_catalog.CreatorOf(anchor))}'s video you watched enjoyed this too"),
            CandidateSource.Related => ("related", "Enjoyed by people with your taste"),
            CandidateSource.Similar when watchedTag is not null => ("watched-similar", $"Because you watched #{watchedTag} videos"),
            CandidateSource.Similar or CandidateSource.CoWatched => ("watched-similar", "Similar to videos you watched"),
            CandidateSource.TrendingInHashtag when (Tag(scratch.Hashtag[candidate]) ?? watchedTag) is { } liked => ("popular-in-hashtag", $"Popular in #{liked}, which you like"),
            CandidateSource.TrendingInHashtag => ("trending", "Popular on Reeltime right now"),
            CandidateSource.Fresh => ("fresh", "A new video getting its first audience"),
            CandidateSource.Explore when Tag(scratch.ExploreHashtag[candidate]) is { } explored => ("explore", $"Something new for you: popular in #{explored}"),
            CandidateSource.Explore => ("explore", "Something new for you"),
            CandidateSource.Trending => ("trending", "Popular on Reeltime right now"),
            _ => ("recent", "New on Reeltime"),
        };
        if (scratch.WatchAgain && scratch.WatchedBefore.Contains(video))
        {
            (code, text) = ("watch-again", $"Seen before, shown again as you asked. {text}");
        }

        // Said to a signed-in viewer who switched profiling off; a visitor has no profile to switch.
        if (!personalized)
        {
            text += " (your feed is not personalised)";
        }

        return new RankedVideo(_catalog.VideoId(video), scratch.Scores[candidate], sources, code, text, source, TopSignals(scratch, candidate));
    }

    private string? StrongestHashtag(UserProfile? profile, int video)
    {
        if (profile is null)
        {
            return null;
        }

        var best = -1;
        var bestWeight = 0f;
        foreach (var tag in _catalog.HashtagsOf(video))
        {
            if (profile.Hashtags.TryGetValue(tag, out var interest) && interest.Weight > bestWeight)
            {
                best = tag;
                bestWeight = interest.Weight;
            }
        }

        return best >= 0 ? _catalog.HashtagName(best) : null;
    }

    private List<FeedSignal> TopSignals(ServeScratch scratch, int candidate)
    {
        var x = scratch.FeatureRows.AsSpan(candidate * F, F);
        var p = scratch.Predictions.AsSpan(candidate * Ranker.Tasks, Ranker.Tasks);
        Span<float> contributions = stackalloc float[F];
        for (var f = 1; f < F; f++)
        {
            contributions[f] = _ranker.WideWeight(RankerTask.LongWatch, f) * x[f];
        }

        var signals = new List<FeedSignal>(6);
        for (var k = 0; k < 3; k++)
        {
            var best = -1;
            for (var f = 1; f < F; f++)
            {
                if (contributions[f] > 0.01f && (best < 0 || contributions[f] > contributions[best]))
                {
                    best = f;
                }
            }

            if (best < 0)
            {
                break;
            }

            signals.Add(new FeedSignal(RankerFeatures.Names[best], MathF.Round(contributions[best], 3)));
            contributions[best] = 0;
        }

        if (scratch.Related[candidate] != 0)
        {
            signals.Add(new FeedSignal("related", MathF.Round(scratch.Related[candidate], 3)));
        }

        signals.Add(new FeedSignal("p-long-watch", MathF.Round(p[(int)RankerTask.LongWatch], 3)));
        signals.Add(new FeedSignal("p-like", MathF.Round(p[(int)RankerTask.Like], 3)));
        signals.Add(new FeedSignal("expected-watch-ratio", MathF.Round(p[(int)RankerTask.WatchRatio], 3)));
        return signals;
    }

    // Beta(a, b) from two gammas (Marsaglia and Tsang); a, b ≥ 1 here.
    private static float Beta(Random random, float a, float b)
    {
        var x = Gamma(random, a);
        var y = Gamma(random, b);
        return (float)(x / (x + y));
    }

    private static double Gamma(Random random, double shape)
    {
        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                // Box-Muller normal.
                var u1 = 1 - random.NextDouble();
                var u2 = random.NextDouble();
                x = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = random.NextDouble();
            if (u < 1 - (0.0331 * x * x * x * x) || Math.Log(u) < (0.5 * x * x) + (d * (1 - v + Math.Log(v))))
            {
                return d * v;
            }
        }
    }

    /// <summary>Rebuilds the trending lists, the per-hashtag lists and the fresh pool (the writer, after batches).</summary>
    private void RebuildBoard(long eventNowMs)
    {
        _eventsSinceBoard = 0;
        var count = _catalog.Count;
        if (count == 0)
        {
            _board = Board.Empty;
            return;
        }

        var now = Math.Max(eventNowMs, _clock.GetUtcNow().ToUnixTimeMilliseconds());
        var global = new PriorityQueue<int, float>();
        var byHashtag = new Dictionary<int, PriorityQueue<int, float>>();
        var hashtagTotals = new float[_catalog.HashtagCount];
        var fresh = new List<int>();
        var freshAgeMs = (long)Options.FreshMaxAge.TotalMilliseconds;
        var stages = Options.FreshStages.Length;
        var engagementMean = _stats.MeanLongWatchRate + _stats.MeanLikeRate;
        for (var video = 0; video < count; video++)
        {
            if (!_catalog.IsRecommendable(video))
            {
                continue;
            }

            ref readonly var counters = ref _stats[video];
            if (counters.Stage < stages && now - _catalog.CreatedAtMs(video) <= freshAgeMs)
            {
                fresh.Add(video);
            }

            // Videos without engagement still rank in their hashtags (by recency), so a new hashtag has a list.
            var trend = counters.TrendAt(now, _trendHalfLifeMs);
            var rank = trend + (1e-6f * video / count);
            Offer(global, video, rank, 500);

            // Within a hashtag, popular means engaging now (trend) or engaging per view over its life.
            var engaging = VideoStats.Posterior(counters.LongWatches + counters.Likes, counters.Impressions, engagementMean);
            var hashtagRank = rank + (HashtagQualityWeight * engaging) + MathF.Log(1 + counters.Engagements);
            var tags = _catalog.HashtagsOf(video);
            // The relevances come from the per-video cache the event path keeps: computed afresh, each is a
            // look-up among all creator-hashtag pairs, a cache miss per hashtag of a million videos.
            var relevances = _catalog.HashtagRelevances(video);
            for (var t = 0; t < tags.Length; t++)
            {
                // A hashtag's list favours videos it is central to, not ones that carry it in passing.
                var tag = tags[t];
                var relevance = relevances[t];
                hashtagTotals[tag] += trend + 0.01f;
                if (!byHashtag.TryGetValue(tag, out var list))
                {
                    list = new PriorityQueue<int, float>();
                    byHashtag.Add(tag, list);
                }

                Offer(list, video, hashtagRank * relevance, HashtagListLength);
            }
        }

        var topHashtags = new PriorityQueue<int, float>();
        for (var tag = 0; tag < hashtagTotals.Length; tag++)
        {
            if (hashtagTotals[tag] > 0)
            {
                Offer(topHashtags, tag, hashtagTotals[tag], 50);
            }
        }

        if (fresh.Count > 20_000)
        {
            fresh.RemoveRange(0, fresh.Count - 20_000);
        }

        var lists = new Dictionary<int, int[]>(byHashtag.Count);
        foreach (var (tag, queue) in byHashtag)
        {
            lists.Add(tag, Drain(queue));
        }

        _board = new Board(Drain(global), lists, Drain(topHashtags), [.. fresh]);

        static void Offer(PriorityQueue<int, float> queue, int item, float priority, int max)
        {
            if (queue.Count < max)
            {
                queue.Enqueue(item, priority);
            }
            else if (queue.TryPeek(out _, out var lowest) && priority > lowest)
            {
                queue.DequeueEnqueue(item, priority);
            }
        }

        static int[] Drain(PriorityQueue<int, float> queue)
        {
            var items = new int[queue.Count];
            for (var i = items.Length - 1; i >= 0; i--)
            {
                items[i] = queue.Dequeue();
            }

            return items;
        }
    }

    /// <summary>The derived lists sources read: rebuilt by the writer, swapped in whole, read without locks.</summary>
    private sealed record Board(int[] Global, Dictionary<int, int[]> ByHashtag, int[] TopHashtags, int[] Fresh)
    {
        public static readonly Board Empty = new([], [], [], []);
    }

    /// <summary>Per-thread buffers of one request: candidates are deduplicated with a stamp per video, so nothing is cleared per request.</summary>
    private sealed class ServeScratch
    {
        private const int MaxCandidates = 4096;
        private int[] _stamp = [];
        private int[] _slot = [];
        private int _generation;

        [ThreadStatic]
        private static ServeScratch? t_current;

        public int Count;
        public readonly int[] Videos = new int[MaxCandidates];
        public readonly CandidateSource[] Sources = new CandidateSource[MaxCandidates];
        public readonly float[] SourceScores = new float[MaxCandidates];
        public readonly int[] Anchor = new int[MaxCandidates];
        public readonly int[] Hashtag = new int[MaxCandidates];

        /// <summary>The unshown interest the explore source drew the candidate from, or -1.</summary>
        public readonly int[] ExploreHashtag = new int[MaxCandidates];
        public readonly float[] CoWatch = new float[MaxCandidates];
        public readonly float[] Sample = new float[MaxCandidates];
        public readonly float[] Scores = new float[MaxCandidates];
        public readonly float[] Related = new float[MaxCandidates];
        public float[] NearlineScores = [];
        public bool[] NearlineFavoured = [];
        public float[] NearlineBuffer = [];
        public readonly PriorityQueue<int, float> RelatedTop = new();
        public readonly bool[] Kept = new bool[MaxCandidates];
        public readonly float[] Predictions = new float[MaxCandidates * Ranker.Tasks];
        public readonly float[] FeatureRows = new float[MaxCandidates * F];
        public readonly int[] AnnIds = new int[1024];
        public readonly float[] AnnScores = new float[1024];
        public float[] Query = [];

        /// <summary>Whether this request is for a viewer watching again what they have seen.</summary>
        public bool WatchAgain;

        /// <summary>The seen filter's bound for this request: videos seen at or after it are left out.</summary>
        public long SeenSinceMs;

        /// <summary>Videos served but not shown since this time are held back (<see cref="EngineOptions.ServedHold"/>).</summary>
        public long ServedSinceMs;

        /// <summary>Left out when watching again: the viewer skipped them last time.</summary>
        public readonly HashSet<int> SkippedBefore = [];
        public ServedInRun? ServedInRun;

        /// <summary>Said to be seen before when watching again: the viewer watched them without skipping.</summary>
        public readonly HashSet<int> WatchedBefore = [];

        public readonly HashSet<int> Follows = [];
        public readonly List<(int Hashtag, float Weight)> TopHashtags = [];
        public readonly List<(int Video, float Draw)> FreshDraws = [];
        public readonly List<(int Hashtag, float Draw)> ExploreDraws = [];
        public readonly List<int> Order = [];
        public readonly List<int> Picks = [];
        public readonly HashSet<int> Used = [];
        public readonly Dictionary<int, int> BlockTags = [];
        public readonly Dictionary<int, int> BlockSubjects = [];

        public static ServeScratch For(int videos, int dim)
        {
            var scratch = t_current ??= new ServeScratch();
            if (scratch._stamp.Length < videos)
            {
                var size = Math.Max(videos, scratch._stamp.Length * 2);
                scratch._stamp = new int[size];
                scratch._slot = new int[size];
                scratch._generation = 0;
            }

            if (scratch.Query.Length < dim)
            {
                scratch.Query = new float[dim];
            }

            return scratch;
        }

        public void Begin()
        {
            Count = 0;
            TopHashtags.Clear();
            if (++_generation == int.MaxValue)
            {
                Array.Clear(_stamp);
                _generation = 1;
            }
        }

        /// <summary>Adds a candidate or merges a source into it; returns its slot.</summary>
        public int Add(int video, CandidateSource source, float score, int anchor, int hashtag)
        {
            if (_stamp[video] == _generation)
            {
                var existing = _slot[video];
                Sources[existing] |= source;
                if (anchor >= 0 && Anchor[existing] < 0)
                {
                    Anchor[existing] = anchor;
                }

                // Each source's hashtag is kept apart: a reason must name the hashtag of the source it gives,
                // not one another source came by (an explored #physics is not a #physics the viewer watched).
                if (hashtag >= 0 && source == CandidateSource.Explore && ExploreHashtag[existing] < 0)
                {
                    ExploreHashtag[existing] = hashtag;
                }
                else if (hashtag >= 0 && source != CandidateSource.Explore && Hashtag[existing] < 0)
                {
                    Hashtag[existing] = hashtag;
                }

                return existing;
            }

            if (Count == MaxCandidates)
            {
                return -1;
            }

            var slot = Count++;
            _stamp[video] = _generation;
            _slot[video] = slot;
            Videos[slot] = video;
            Sources[slot] = source;
            SourceScores[slot] = score;
            Anchor[slot] = anchor;
            Hashtag[slot] = source == CandidateSource.Explore ? -1 : hashtag;
            ExploreHashtag[slot] = source == CandidateSource.Explore ? hashtag : -1;
            CoWatch[slot] = 0;
            Sample[slot] = 0;
            return slot;
        }
    }
}
