namespace Reeltime.Recommendation.Engine;

/// <summary>Where a candidate came from. A candidate may come from several; flags.</summary>
[Flags]
public enum CandidateSource
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>Nearest neighbours of the viewer's vector (HNSW).</summary>
    Similar = 1,
    /// <summary>Watched together with the viewer's recent favourites.</summary>
    CoWatched = 2,
    /// <summary>From a followed creator.</summary>
    Following = 4,
    /// <summary>Trending in a hashtag the viewer likes.</summary>
    TrendingInHashtag = 8,
    /// <summary>Trending overall.</summary>
    Trending = 16,
    /// <summary>A new video in its staged first audience.</summary>
    Fresh = 32,
    /// <summary>Popular in a hashtag the viewer has not shown yet.</summary>
    Explore = 64,
    /// <summary>Among the newest videos.</summary>
    Recent = 128,
    /// <summary>Related to the viewer's favourites by the nearline model (fitted on everyone's favourites).</summary>
    Related = 256,
}

/// <summary>A request for a ranked list.</summary>
/// <param name="ViewerId">The viewer (0 = a visitor who is not signed in).</param>
/// <param name="Count">How many videos to return (the serving layer asks for more than a page, to survive its own filters).</param>
/// <param name="Personalized">False for the non-personalised feed: trending and fresh videos only, no profiling.</param>
/// <param name="FollowedCreatorIds">The creators the viewer follows now (from the social graph).</param>
/// <param name="Skip">For the non-personalised feed, how many of its ranked videos to pass over (a positional page).</param>
/// <param name="Seed">Seeds exploration; the same seed gives the same list for the same state.</param>
/// <param name="WatchAgainSince">
/// Set when the viewer has seen everything and asked to watch again: videos seen (served or watched) before this
/// moment may come again, except those the viewer skipped in their recent watches; those seen since do not, so
/// pages move on. The ones the viewer watched say so in their reason ("watch-again").
/// Null: the seen filter's window holds (see <see cref="EngineOptions.SeenWindow"/>).
/// </param>
/// <param name="RunStartedAt">
/// When this run of the feed began (its first page; later pages carry it in their cursor). For a viewer whose
/// client reports what it shows, videos served before it and never shown are not held back: the run that
/// fetched them ahead (a page since reloaded, an earlier visit) is gone. Null: they are held for
/// <see cref="EngineOptions.ServedHold"/> whatever run served them.
/// </param>
/// <param name="ServedInRun">
/// For a viewer the engine keeps no state for (a visitor): what this run of the feed has served already, which
/// it leaves out. Pages of a visitor's run then move on however the ranked list moves between them (new
/// uploads, trends), where paging by position would repeat some videos and pass over others.
/// </param>
public sealed record RecommendationRequest(long ViewerId, int Count, bool Personalized = true, IReadOnlyCollection<long>? FollowedCreatorIds = null, int Skip = 0, long Seed = 0, DateTimeOffset? WatchAgainSince = null, DateTimeOffset? RunStartedAt = null, ServedInRun? ServedInRun = null);

/// <summary>A signal that contributed to a video's score.</summary>
/// <param name="Name">The feature's name, e.g. "hashtag-interest".</param>
/// <param name="Value">Its contribution (or its value, for predictions such as "p-long-watch").</param>
public sealed record FeedSignal(string Name, float Value);

/// <summary>One ranked video with the reason it is there.</summary>
/// <param name="VideoId">The video.</param>
/// <param name="Score">The published weighted score (see <see cref="RankingWeights"/>).</param>
/// <param name="Sources">Every source that proposed it.</param>
/// <param name="ReasonCode">A code a machine can count, e.g. "popular-in-hashtag".</param>
/// <param name="ReasonText">The sentence shown to the viewer.</param>
/// <param name="Source">The source the reason names.</param>
/// <param name="Signals">The top contributing signals and the predictions.</param>
public sealed record RankedVideo(long VideoId, float Score, CandidateSource Sources, string ReasonCode, string ReasonText, CandidateSource Source, IReadOnlyList<FeedSignal> Signals);

/// <summary>A weighted interest the engine believes in.</summary>
/// <param name="Id">The hashtag's or creator's id.</param>
/// <param name="Name">The hashtag (without '#') or the creator's username.</param>
/// <param name="Weight">How strongly, decayed to now.</param>
public sealed record InterestView(long Id, string Name, float Weight);

/// <summary>What the engine believes about a viewer: shown to them, deletable one by one.</summary>
/// <param name="Hashtags">Top hashtags, strongest first.</param>
/// <param name="Creators">Top creators, strongest first.</param>
/// <param name="NotInterestedHashtags">Hashtags the viewer said no to.</param>
/// <param name="NotInterestedCreators">Creators the viewer said no to.</param>
/// <param name="RecentWatches">How many recent watches the engine keeps for the viewer.</param>
public sealed record ViewerInterests(IReadOnlyList<InterestView> Hashtags, IReadOnlyList<InterestView> Creators, IReadOnlyList<InterestView> NotInterestedHashtags, IReadOnlyList<InterestView> NotInterestedCreators, int RecentWatches);

/// <summary>Sizes of the engine's state, for monitoring and benchmarks.</summary>
/// <param name="AppliedOffset">The next log offset the engine will apply.</param>
/// <param name="Videos">Videos in the catalogue.</param>
/// <param name="Users">Viewers with state.</param>
/// <param name="UserVectors">Admitted user vectors.</param>
/// <param name="VideoVectors">Admitted video vectors.</param>
/// <param name="IndexedVideos">Videos in the ANN index.</param>
/// <param name="RankerExamples">Impressions the ranker trained on.</param>
/// <param name="PendingImpressions">Impressions waiting for their outcome window.</param>
/// <param name="FreshPool">Videos in a staged first audience.</param>
public sealed record EngineStatistics(long AppliedOffset, int Videos, int Users, int UserVectors, int VideoVectors, int IndexedVideos, long RankerExamples, int PendingImpressions, int FreshPool);
