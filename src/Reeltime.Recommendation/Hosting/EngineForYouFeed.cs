using Microsoft.Extensions.Options;
using Reeltime.Platform.Accounts;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Events;
using Reeltime.Platform.Graph;
using Reeltime.Platform.Videos;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation.Hosting;

/// <summary>
/// The For You feed served by the engine: it waits (briefly) until the engine has applied the events
/// logged before the request, asks the engine for a ranked list, applies the platform's visibility rules
/// as the last filter, records what was served, and explains every item.
/// </summary>
public sealed class EngineForYouFeed(
    ForYouEngineHost host,
    IEventLog log,
    VideoLibrary videos,
    AccountService accounts,
    SocialGraph graph,
    TimeProvider clock,
    IOptions<EngineOptions> options) : IForYouFeed
{
    /// <inheritdoc />
    public async Task<Page<FeedItem>> NextPageAsync(long viewerId, ForYouCursor? cursor, int count, bool watchAgain, CancellationToken cancellationToken)
    {
        var engine = await host.EngineAsync(cancellationToken);
        await host.RefreshIfStaleAsync(cancellationToken);

        // Read-your-writes: what the viewer did before this request shapes it (bounded wait).
        await engine.WaitForAppliedAsync(log.NextOffset, options.Value.FreshnessWait, cancellationToken);

        var personalized = viewerId != 0 && (await accounts.GetMeAsync(viewerId, cancellationToken)).Value?.Personalization == true;
        var follows = personalized ? await graph.FollowedIdsAsync(viewerId, cancellationToken) : [];
        var now = clock.GetUtcNow();

        // The run's first page fixes its seed. Signed-in viewers are moved on by the engine's seen filter; a
        // visitor's run carries what it has served in its cursor, since the server keeps nothing for them.
        var seedTime = cursor?.RunStartedAt ?? now.UtcDateTime;
        var servedInRun = viewerId == 0 ? cursor?.Served ?? new ServedInRun() : null;
        var asked = (count * 3) + 5;
        // Watching again, the run's first page fixes the moment before which seen videos may return; the seen
        // filter moves the viewer on from what this run has served since (the cursor carries that moment).
        DateTimeOffset? watchAgainSince = watchAgain && viewerId != 0 ? new DateTimeOffset(DateTime.SpecifyKind(seedTime, DateTimeKind.Utc)) : null;
        // The run's first page fixes its start too: what an earlier run fetched ahead and never showed is free again.
        var runStarted = new DateTimeOffset(DateTime.SpecifyKind(seedTime, DateTimeKind.Utc));
        var ranked = engine.Recommend(new RecommendationRequest(viewerId, asked, personalized, follows, 0, seedTime.Ticks, watchAgainSince, runStarted, servedInRun));
        var visible = await videos.GetVisibleAsync(viewerId, [.. ranked.Select(r => r.VideoId)], cancellationToken);
        var byId = ranked.ToDictionary(r => r.VideoId);
        var items = new List<FeedItem>(count);
        var consumed = 0;
        foreach (var view in visible)
        {
            if (items.Count == count)
            {
                break;
            }

            if (view.Author.Id == viewerId)
            {
                continue; // one's own videos are on one's profile, not in one's For You
            }

            var rankedVideo = byId[view.Id];
            consumed = Math.Max(consumed, IndexOf(ranked, view.Id) + 1);
            items.Add(new FeedItem(view, [new FeedReason(rankedVideo.ReasonCode, rankedVideo.ReasonText, SourceName(rankedVideo.Source), rankedVideo.Signals)]));
            servedInRun?.Add(view.Id);
        }

        if (items.Count > 0)
        {
            var served = items.Select(i => i.Video.Id).ToArray();
            engine.MarkServed(viewerId, served);
            var at = now.ToUnixTimeMilliseconds();
            var events = items.Select(i => new WatchEvent(WatchEventType.Served, viewerId, i.Video.Id, i.Video.Author.Id, 0, 0, 0, at, at, FeedSurface.ForYou)).ToArray();
            await log.AppendAsync(events, cancellationToken);
        }

        var end = items.Count == 0 || (ranked.Count < asked && consumed >= ranked.Count);
        var next = end ? null : new ForYouCursor(DateTime.SpecifyKind(seedTime, DateTimeKind.Utc), servedInRun).Encode();
        return new Page<FeedItem>(items, next);
    }

    private static int IndexOf(IReadOnlyList<RankedVideo> ranked, long videoId)
    {
        for (var i = 0; i < ranked.Count; i++)
        {
            if (ranked[i].VideoId == videoId)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The name of a source in reasons.</summary>
    public static string SourceName(CandidateSource source) => source switch
    {
        CandidateSource.Similar => "similar",
        CandidateSource.CoWatched => "co-watched",
        CandidateSource.Following => "following",
        CandidateSource.TrendingInHashtag => "trending-in-hashtag",
        CandidateSource.Trending => "trending",
        CandidateSource.Fresh => "fresh",
        CandidateSource.Explore => "explore",
        CandidateSource.Related => "related",
        _ => "recent",
    };
}
