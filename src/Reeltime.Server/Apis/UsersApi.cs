using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Feeds;
using Reeltime.Platform.Graph;
using Reeltime.Platform.Videos;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>Profiles, follows, blocks and a user's videos.</summary>
internal static class UsersApi
{
    public sealed record FollowResponse(string State);

    public sealed record FollowRequestAnswer(bool Approve);

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/users/{username}").WithTags("Users");
        api.MapGet("/", GetProfileAsync).WithName("GetProfile").WithSummary("A public profile with counts.");
        api.MapGet("/videos", GetVideosAsync).WithName("GetUserVideos").WithSummary("The user's videos visible to the caller, newest first.");
        api.MapPost("/follow", FollowAsync).WithName("Follow").WithSummary("Follows the user, or asks to when the account is private.").RequireAuthorization();
        api.MapDelete("/follow", UnfollowAsync).WithName("Unfollow").WithSummary("Stops following, or withdraws a request.").RequireAuthorization();
        api.MapPost("/block", BlockAsync).WithName("Block").WithSummary("Blocks the user: neither sees the other any more.").RequireAuthorization();
        api.MapDelete("/block", UnblockAsync).WithName("Unblock").WithSummary("Lifts a block.").RequireAuthorization();
        api.MapPost("/follow-request", AnswerFollowRequestAsync).WithName("AnswerFollowRequest").WithSummary("Approves or declines the user's request to follow the caller.").RequireAuthorization();
        return app;
    }

    private static async Task<Results<Ok<Profile>, ProblemHttpResult>> GetProfileAsync(string username, ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken)
    {
        var outcome = await graph.GetProfileAsync(user.UserId(), username, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Ok<Page<VideoView>>, ProblemHttpResult>> GetVideosAsync(string username, string? cursor, int? count, ClaimsPrincipal user, FeedService feeds, CancellationToken cancellationToken)
    {
        if (Problems.Paging(cursor, count, out var position, out var size) is { } invalid)
        {
            return Problems.From(invalid);
        }

        var outcome = await feeds.UserVideosAsync(user.UserId(), username, position, size, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Ok<FollowResponse>, ProblemHttpResult>> FollowAsync(string username, ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken)
    {
        var outcome = await graph.FollowAsync(user.UserId(), username, cancellationToken);
        return outcome.Succeeded
            ? TypedResults.Ok(new FollowResponse(outcome.Value == FollowResult.Following ? "following" : "requested"))
            : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnfollowAsync(string username, ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken)
    {
        var outcome = await graph.UnfollowAsync(user.UserId(), username, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> BlockAsync(string username, ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken)
    {
        var outcome = await graph.BlockAsync(user.UserId(), username, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnblockAsync(string username, ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken)
    {
        var outcome = await graph.UnblockAsync(user.UserId(), username, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AnswerFollowRequestAsync(string username, FollowRequestAnswer answer, ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken)
    {
        var outcome = await graph.AnswerFollowRequestAsync(user.UserId(), username, answer.Approve, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }
}
