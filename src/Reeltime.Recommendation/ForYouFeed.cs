using Reeltime.Platform.Engagement;
using Reeltime.Platform.Videos;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation;

/// <summary>Why an item is in the feed: a code a machine can count and a sentence a person can read.</summary>
/// <param name="Code">A stable code: "watched-similar", "co-watched", "related", "following", "popular-in-hashtag", "trending", "fresh", "explore", "recent", "watch-again".</param>
/// <param name="Text">The sentence shown to the viewer.</param>
/// <param name="Source">The candidate source that proposed it, e.g. "similar", "fresh" (null for the placeholder feed).</param>
/// <param name="Signals">The top contributing signals and the ranker's predictions.</param>
public sealed record FeedReason(string Code, string Text, string? Source = null, IReadOnlyList<FeedSignal>? Signals = null);

/// <summary>One item of the For You feed.</summary>
public sealed record FeedItem(VideoView Video, IReadOnlyList<FeedReason> Reasons);

/// <summary>The For You feed (the engine's: <see cref="Hosting.EngineForYouFeed"/>).</summary>
public interface IForYouFeed
{
    /// <summary>The next page for <paramref name="viewerId"/> (0 = a visitor).</summary>
    /// <param name="viewerId">The viewer; 0 for a visitor.</param>
    /// <param name="cursor">Where the run stands after the previous page; null for a run's first page.</param>
    /// <param name="count">How many videos.</param>
    /// <param name="watchAgain">
    /// The viewer has seen everything and asked to watch again: videos seen before the first page of this
    /// run may come again (not those skipped last time). Visitors see nothing different: nothing is held back from them.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task<Page<FeedItem>> NextPageAsync(long viewerId, ForYouCursor? cursor, int count, bool watchAgain, CancellationToken cancellationToken);
}
