using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Reeltime.Media;
using Reeltime.Platform;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>Videos: upload, lookup, delete, and engagement with them.</summary>
internal static class VideosApi
{
    public sealed record VideoAccepted(long Id, string Status);

    public sealed record NewComment(string? Text, long? ParentId);

    public static IEndpointRouteBuilder MapVideosApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/videos").WithTags("Videos");
        api.MapPost("/", UploadAsync).WithName("UploadVideo").WithSummary("Uploads a video (multipart: file, caption, visibility).")
            .RequireAuthorization().DisableAntiforgery().WithMetadata(new RequestSizeLimitAttribute(ServerSetup.MaxUploadRequestBytes));
        api.MapGet("/{id:long}", GetAsync).WithName("GetVideo").WithSummary("A video, if the caller may see it.");
        api.MapDelete("/{id:long}", DeleteAsync).WithName("DeleteVideo").WithSummary("The author deletes a video.").RequireAuthorization();
        api.MapPost("/{id:long}/like", LikeAsync).WithName("Like").WithSummary("Likes a video (idempotent).").RequireAuthorization();
        api.MapDelete("/{id:long}/like", UnlikeAsync).WithName("Unlike").WithSummary("Takes a like back (idempotent).").RequireAuthorization();
        api.MapPost("/{id:long}/bookmark", BookmarkAsync).WithName("Bookmark").WithSummary("Bookmarks a video (idempotent).").RequireAuthorization();
        api.MapDelete("/{id:long}/bookmark", UnbookmarkAsync).WithName("Unbookmark").WithSummary("Removes a bookmark (idempotent).").RequireAuthorization();
        api.MapGet("/{id:long}/comments", ListCommentsAsync).WithName("ListComments").WithSummary("Comments (or, with parentId, replies), oldest first.");
        api.MapPost("/{id:long}/comments", CommentAsync).WithName("Comment").WithSummary("Comments, or replies with parentId.").RequireAuthorization();

        app.MapDelete("/api/comments/{id:long}", DeleteCommentAsync).WithTags("Videos").WithName("DeleteComment")
            .WithSummary("Deletes a comment: its author or the video's author may.").RequireAuthorization();
        return app;
    }

    private static async Task<Results<Accepted<VideoAccepted>, ProblemHttpResult>> UploadAsync(
        HttpRequest request, ClaimsPrincipal user, VideoLibrary library, IObjectStore store, IOptions<MediaOptions> media, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Problems.Invalid("file", "Send the video as multipart/form-data with a 'file' part.");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            return Problems.Invalid("file", $"The upload is malformed or larger than {media.Value.MaxUploadBytes / (1024 * 1024)} MiB.");
        }

        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0)
        {
            return Problems.Invalid("file", "The upload has no 'file' part, or it is empty.");
        }

        var metadata = new NewVideo(form["caption"].ToString(), form["visibility"].ToString());
        if (VideoLibrary.Check(metadata, out _, out _) is { } invalid)
        {
            return Problems.From(invalid);
        }

        var created = await library.CreateAsync(user.UserId(), metadata, VideoStatus.Uploaded, cancellationToken);
        if (!created.Succeeded)
        {
            return Problems.From(created.Failure!);
        }

        var id = created.Value;
        try
        {
            await using var content = file.OpenReadStream();
            await store.PutAsync(MediaKeys.Original(id), content, media.Value.MaxUploadBytes, cancellationToken);
        }
        catch (UploadTooLargeException tooLarge)
        {
            await library.SetStatusAsync(id, VideoStatus.Failed, tooLarge.Message, null, null, null, null, CancellationToken.None);
            return Problems.Invalid("file", tooLarge.Message);
        }

        // Until the media pipeline lands, the original is taken as it is.
        await library.SetStatusAsync(id, VideoStatus.Ready, null, 100, null, null, null, cancellationToken);
        return TypedResults.Accepted($"/api/videos/{id}", new VideoAccepted(id, "ready"));
    }

    private static async Task<Results<Ok<VideoView>, ProblemHttpResult>> GetAsync(long id, ClaimsPrincipal user, VideoLibrary library, CancellationToken cancellationToken)
    {
        var outcome = await library.GetAsync(user.UserId(), id, cancellationToken);
        return outcome.Succeeded ? TypedResults.Ok(outcome.Value!) : Problems.From(outcome.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, ClaimsPrincipal user, VideoLibrary library, CancellationToken cancellationToken)
    {
        var outcome = await library.DeleteAsync(user.UserId(), id, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }

    private static Task<Results<Ok<VideoCounts>, ProblemHttpResult>> LikeAsync(long id, ClaimsPrincipal user, EngagementService engagement, CancellationToken cancellationToken) =>
        CountsAsync(engagement.LikeAsync(user.UserId(), id, cancellationToken));

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

/// <summary>Where the media of a video is kept in the object store.</summary>
internal static class MediaKeys
{
    public static string Original(long videoId) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"videos/{videoId}/original");
}
