using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Feeds;
using Reeltime.Platform.Videos;
using Reeltime.Recommendation;
using Reeltime.Recommendation.Engine;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>The feeds and list pages: For You, Following, hashtags, trending.</summary>
internal static class FeedsApi
{
    public sealed record Trending(IReadOnlyList<VideoView> Videos, IReadOnlyList<TrendingHashtag> Hashtags);

    private static readonly TimeSpan TrendingWindow = TimeSpan.FromDays(7);

    public static IEndpointRouteBuilder MapFeedsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Feeds");
        api.MapGet("/feed/for-you", ForYouAsync).WithName("ForYouFeed").WithSummary("The For You feed, each item with the reasons it is there; again=true watches again what the viewer has seen.");
        api.MapGet("/feed/for-you/scoring", Scoring).WithName("ForYouScoring").WithSummary("How the For You feed scores videos: the published weights of each prediction.");
        api.MapGet("/feed/following", FollowingAsync).WithName("FollowingFeed").WithSummary("Videos of followed accounts, newest first.").RequireAuthorization();
        api.MapGet("/hashtags/{tag}/videos", HashtagAsync).WithName("HashtagVideos").WithSummary("A hashtag's videos, newest first.");
        api.MapGet("/trending", TrendingAsync).WithName("Trending").WithSummary("Trending videos and hashtags of the last week.");
        return app;
    }

    private static async Task<Results<Ok<Page<FeedItem>>, ProblemHttpResult>> ForYouAsync(string? cursor, int? count, bool? again, ClaimsPrincipal user, IForYouFeed feed, CancellationToken cancellationToken)
    {
        if (Problems.Paging(null, count, out _, out var size, defaultCount: 10) is { } invalid)
        {
            return Problems.From(invalid);
        }

        // A visitor's cursor is longer than a list's: it carries what the run has served (ForYouCursor).
        if (!ForYouCursor.TryDecode(cursor, out var position))
        {
            return Problems.Invalid("cursor", "The cursor is not one this server gave out.");
        }

        return TypedResults.Ok(await feed.NextPageAsync(user.UserId(), position, size, again == true, cancellationToken));
    }

    /// <summary>The published score: score = Σ weight × prediction, and the signals the ranker reads.</summary>
    public sealed record ScoringRules(RankingWeights Weights, IReadOnlyList<string> Predictions, IReadOnlyList<string> Signals, string Formula);

    private static Ok<ScoringRules> Scoring(IOptions<EngineOptions> options) => TypedResults.Ok(new ScoringRules(
        options.Value.Weights,
        ["longWatch: P(watch at least half)", "like: P(like)", "share: P(share)", "follow: P(follow the creator)", "watchRatio: expected share of the video watched"],
        RankerFeatures.Names,
        "score = longWatch×P(long watch) + like×P(like) + share×P(share) + follow×P(follow) + watchRatio×E[watch ratio] + related×trust×nearline score "
        + "(EASE over everyone's recent favourites, scored from the viewer's own, 1 = the mean of their best twenty; trust falls while a session goes badly); new videos add longWatch×(Thompson draw − mean)"));

    private static async Task<Results<Ok<Page<VideoView>>, ProblemHttpResult>> FollowingAsync(string? cursor, int? count, ClaimsPrincipal user, FeedService feeds, CancellationToken cancellationToken)
    {
        if (Problems.Paging(cursor, count, out var position, out var size, defaultCount: 10) is { } invalid)
        {
            return Problems.From(invalid);
        }

        return TypedResults.Ok(await feeds.FollowingAsync(user.UserId(), position, size, cancellationToken));
    }

    private static async Task<Results<Ok<Page<VideoView>>, ProblemHttpResult>> HashtagAsync(string tag, string? cursor, int? count, ClaimsPrincipal user, FeedService feeds, CancellationToken cancellationToken)
    {
        if (Problems.Paging(cursor, count, out var position, out var size) is { } invalid)
        {
            return Problems.From(invalid);
        }

        var outcome = await feeds.HashtagVideosAsync(user.UserId(), tag, position, size, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Ok<Trending>, ProblemHttpResult>> TrendingAsync(int? count, ClaimsPrincipal user, FeedService feeds, CancellationToken cancellationToken)
    {
        if (Problems.Paging(null, count, out _, out var size) is { } invalid)
        {
            return Problems.From(invalid);
        }

        var videos = await feeds.TrendingVideosAsync(user.UserId(), TrendingWindow, size, cancellationToken);
        var hashtags = await feeds.TrendingHashtagsAsync(TrendingWindow, size, cancellationToken);
        return TypedResults.Ok(new Trending(videos, hashtags));
    }
}
