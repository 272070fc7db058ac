using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Platform;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Videos;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>Videos: upload, lookup, delete, and engagement with them.</summary>
internal static class VideosApi
{
    public sealed record NewComment(string? Text, long? ParentId);

    /// <summary>What the author may change on a posted video.</summary>
    /// <param name="Visibility">Who can watch: public, followers or private.</param>
    public sealed record VideoChange(string? Visibility);

    public static IEndpointRouteBuilder MapVideosApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/videos").WithTags("Videos");
        api.MapVideoMedia();
        api.MapGet("/{id:long}", GetAsync).WithName("GetVideo").WithSummary("A video, if the caller may see it.");
        api.MapPatch("/{id:long}", ChangeAsync).WithName("ChangeVideo").WithSummary("The author changes who can watch a video.").RequireAuthorization();
        api.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteVideo").WithSummary("The author deletes a video.").RequireAuthorization();
        api.MapPost("/{id:long}/like", LikeAsync).WithName("Like").WithSummary("Likes a video (idempotent).").RequireAuthorization();
        api.MapDelete("/{id:long}/like", UnlikeAsync).WithName("Unlike").WithSummary("Takes a like back (idempotent).").RequireAuthorization();
        api.MapPost("/{id:long}/share", ShareAsync).WithName("Share").WithSummary("Counts a share of the video (each share counts).")
            .RequireAuthorization().RequireRateLimiting(ServerSetup.EventsRateLimit);
        api.MapPost("/{id:long}/bookmark", BookmarkAsync).WithName("Bookmark").WithSummary("Bookmarks a video (idempotent).").RequireAuthorization();
        api.MapDelete("/{id:long}/bookmark", UnbookmarkAsync).WithName("Unbookmark").WithSummary("Removes a bookmark (idempotent).").RequireAuthorization();
        api.MapGet("/{id:long}/comments", ListCommentsAsync).WithName("ListComments").WithSummary("Comments (or, with parentId, replies), oldest first.");
        api.MapPost("/{id:long}/comments", CommentAsync).WithName("Comment").WithSummary("Comments, or replies with parentId.").RequireAuthorization();

        app.MapDelete("/api/comments/{id:long}", DeleteCommentAsync).WithTags("Videos").WithName("DeleteComment")
            .WithSummary("Deletes a comment: its author or the video's author may.").RequireAuthorization();
        return app;
    }

    private static async Task<Results<Ok<VideoView>, ProblemHttpResult>> GetAsync(long id, ClaimsPrincipal user, VideoLibrary library, CancellationToken cancellationToken)
    {
        var outcome = await library.GetAsync(user.UserId(), id, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Ok<VideoView>, ProblemHttpResult>> ChangeAsync(long id, VideoChange change, ClaimsPrincipal user, VideoLibrary library, CancellationToken cancellationToken)
    {
        var outcome = await library.ChangeVisibilityAsync(user.UserId(), id, change.Visibility, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, ClaimsPrincipal user, VideoLibrary library, CancellationToken cancellationToken)
    {
        var outcome = await library.DeleteAsync(user.UserId(), id, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static Task<Results<Ok<VideoCounts>, ProblemHttpResult>> LikeAsync(long id, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken) =>
        CountsAsync(engagement.LikeAsync(user.UserId(), id, cancellationToken));

    private static Task<Results<Ok<VideoCounts>, ProblemHttpResult>> ShareAsync(long id, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken) =>
        CountsAsync(engagement.ShareAsync(user.UserId(), id, cancellationToken));

    private static Task<Results<Ok<VideoCounts>, ProblemHttpResult>> UnlikeAsync(long id, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken) =>
        CountsAsync(engagement.UnlikeAsync(user.UserId(), id, cancellationToken));

    private static Task<Results<Ok<VideoCounts>, ProblemHttpResult>> BookmarkAsync(long id, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken) =>
        CountsAsync(engagement.BookmarkAsync(user.UserId(), id, add: true, cancellationToken));

    private static Task<Results<Ok<VideoCounts>, ProblemHttpResult>> UnbookmarkAsync(long id, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken) =>
        CountsAsync(engagement.BookmarkAsync(user.UserId(), id, add: false, cancellationToken));

    private static async Task<Results<Ok<Page<CommentView>>, ProblemHttpResult>> ListCommentsAsync(
        long id, long? parentId, string? cursor, int? count, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken)
    {
        if (Problems.Paging(cursor, count, out var position, out var size) is { } invalid)
        {
            return Problems.From(invalid);
        }

        var outcome = await engagement.ListCommentsAsync(user.UserId(), id, parentId, position, size, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Created<CommentView>, ProblemHttpResult>> CommentAsync(long id, NewComment comment, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken)
    {
        var outcome = await engagement.CommentAsync(user.UserId(), id, comment.Text, comment.ParentId, cancellationToken);
        return outcome.Succeeded ? TypedResults.Created($"/api/comments/{outcome.Value!.Id}", outcome.Value) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteCommentAsync(long id, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken)
    {
        var outcome = await engagement.DeleteCommentAsync(user.UserId(), id, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<Ok<VideoCounts>, ProblemHttpResult>> CountsAsync(Task<Outcome<VideoCounts>> action)
    {
        var outcome = await action;
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }
}
