using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Platform.Accounts;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Graph;
using Reeltime.Platform.Videos;
using Reeltime.Recommendation.Engine;
using Reeltime.Recommendation.Hosting;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>The caller's own account, settings, bookmarks and follow requests.</summary>
internal static class MeApi
{
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/me").WithTags("Me").RequireAuthorization();
        api.MapGet("/", GetAsync).WithName("GetMe").WithSummary("The caller's own account.");
        api.MapPatch("/settings", ChangeSettingsAsync).WithName("ChangeSettings").WithSummary("Changes settings: personalization, isPrivate, displayName, bio.");
        api.MapGet("/bookmarks", BookmarksAsync).WithName("GetBookmarks").WithSummary("The caller's bookmarks, newest first.");
        api.MapGet("/interests", InterestsAsync).WithName("GetInterests").WithSummary("The hashtags and creators the For You engine believes the caller likes, and what they said no to.");
        api.MapDelete("/interests", ResetInterestsAsync).WithName("ResetInterests").WithSummary("Forgets everything the For You engine learned about the caller.");
        api.MapDelete("/interests/hashtags/{name}", RemoveHashtagAsync).WithName("RemoveHashtagInterest").WithSummary("Deletes one learned interest in a hashtag.");
        api.MapDelete("/interests/creators/{username}", RemoveCreatorAsync).WithName("RemoveCreatorInterest").WithSummary("Deletes one learned interest in a creator.");
        api.MapDelete("/not-interested/hashtags/{name}", WithdrawHashtagAsync).WithName("WithdrawNotInterestedInHashtag").WithSummary("Takes back a \"not interested\" in a hashtag; its videos may appear in For You again.");
        api.MapDelete("/not-interested/creators/{username}", WithdrawCreatorAsync).WithName("WithdrawNotInterestedInCreator").WithSummary("Takes back a \"not interested\" in a creator; their videos may appear in For You again.");
        api.MapGet("/follow-requests", FollowRequestsAsync).WithName("GetFollowRequests").WithSummary("Pending requests to follow the caller.");
        api.MapGet("/blocked", BlockedAsync).WithName("GetBlocked").WithSummary("The accounts the caller has blocked, most recently blocked first.");
        return app;
    }

    private static async Task<Results<Ok<Me>, ProblemHttpResult>> GetAsync(ClaimsPrincipal user, AccountService accounts, CancellationToken cancellationToken)
    {
        var outcome = await accounts.GetMeAsync(user.UserId(), cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Ok<Me>, ProblemHttpResult>> ChangeSettingsAsync(SettingsChange change, ClaimsPrincipal user, AccountService accounts, CancellationToken cancellationToken)
    {
        var outcome = await accounts.ChangeSettingsAsync(user.UserId(), change, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Ok<Page<VideoView>>, ProblemHttpResult>> BookmarksAsync(string? cursor, int? count, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken)
    {
        if (Problems.Paging(cursor, count, out var position, out var size) is { } invalid)
        {
            return Problems.From(invalid);
        }

        return TypedResults.Ok(await engagement.ListBookmarksAsync(user.UserId(), position, size, cancellationToken));
    }

    private static async Task<Ok<ViewerInterests>> InterestsAsync(ClaimsPrincipal user, ViewerControls controls, CancellationToken cancellationToken) =>
        TypedResults.Ok(await controls.InterestsAsync(user.UserId(), cancellationToken));

    private static async Task<NoContent> ResetInterestsAsync(ClaimsPrincipal user, ViewerControls controls, CancellationToken cancellationToken)
    {
        await controls.ResetAsync(user.UserId(), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveHashtagAsync(string name, ClaimsPrincipal user, ViewerControls controls, CancellationToken cancellationToken)
    {
        var outcome = await controls.RemoveHashtagAsync(user.UserId(), name, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveCreatorAsync(string username, ClaimsPrincipal user, ViewerControls controls, CancellationToken cancellationToken)
    {
        var outcome = await controls.RemoveCreatorAsync(user.UserId(), username, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> WithdrawHashtagAsync(string name, ClaimsPrincipal user, ViewerControls controls, CancellationToken cancellationToken)
    {
        var outcome = await controls.WithdrawNotInterestedInHashtagAsync(user.UserId(), name, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> WithdrawCreatorAsync(string username, ClaimsPrincipal user, ViewerControls controls, CancellationToken cancellationToken)
    {
        var outcome = await controls.WithdrawNotInterestedInCreatorAsync(user.UserId(), username, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Ok<Page<BlockedAccount>>, ProblemHttpResult>> BlockedAsync(string? cursor, int? count, ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken)
    {
        if (Problems.Paging(cursor, count, out var position, out var size, defaultCount: 50) is { } invalid)
        {
            return Problems.From(invalid);
        }

        return TypedResults.Ok(await graph.ListBlockedAsync(user.UserId(), position, size, cancellationToken));
    }

    private static async Task<Ok<IReadOnlyList<FollowRequest>>> FollowRequestsAsync(ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken) =>
        TypedResults.Ok(await graph.ListFollowRequestsAsync(user.UserId(), cancellationToken));
}
