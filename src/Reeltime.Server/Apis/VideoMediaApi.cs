using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Reeltime.Media;
using Reeltime.Media.Jobs;
using Reeltime.Media.Transcoding;
using Reeltime.Media.Uploads;
using Reeltime.Platform.Videos;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>A video's media: the upload, its processing status as it changes, and its renditions.</summary>
internal static partial class VideoMediaApi
{
    private const int MaxFieldBytes = 16 * 1024;

    /// <summary>The answer to an upload: the video's id and its status.</summary>
    public sealed record VideoAccepted(long Id, string Status);

    /// <summary>A status change, as sent on the event stream.</summary>
    public sealed record VideoStatusEvent(long Id, string Status, string? StatusReason, int? Progress);

    public static RouteGroupBuilder MapVideoMedia(this RouteGroupBuilder api)
    {
        api.MapPost("/", UploadAsync).WithName("UploadVideo")
            .WithSummary("Uploads a video (multipart: file, caption, visibility); 202 with its id while it is processed. Large files may use /api/uploads (tus).")
            .RequireAuthorization().DisableAntiforgery().WithMetadata(UploadSizeLimit.For(api));
        api.MapGet("/{id:long}/events", Events).WithName("VideoEvents")
            .WithSummary("Server-sent events: the video's status and progress in percent, until it is ready or failed.");
        api.MapMethods("/{id:long}/media/{**name}", ["GET", "HEAD"], MediaAsync).WithName("VideoMedia")
            .WithSummary("A rendition file of a ready video (MP4, HLS, poster), authorised per request; byte ranges, ETag and If-Range.");
        return api;
    }

    private static async Task<Results<Accepted<VideoAccepted>, ProblemHttpResult>> UploadAsync(
        HttpRequest request, ClaimsPrincipal user, VideoIntake intake, MediaFolders folders, IOptions<MediaOptions> media, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary) is not { Length: > 0 and <= 200 } boundary)
        {
            return Problems.Invalid("file", "Send the video as multipart/form-data with a 'file' part.");
        }

        // The file part streams straight to disk: never whole in memory, never buffered twice.
        Directory.CreateDirectory(folders.UploadFolder);
        var received = Path.Combine(folders.UploadFolder, Guid.NewGuid().ToString("N") + ".form");
        try
        {
            string? caption = null;
            string? visibility = null;
            long bytes = -1;
            var reader = new MultipartReader(boundary.ToString(), request.Body) { HeadersLengthLimit = MaxFieldBytes };
            try
            {
                while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
                {
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !(disposition.IsFormDisposition() || disposition.IsFileDisposition()))
                    {
                        continue;
                    }

                    var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                    if (name == "file" && disposition.IsFileDisposition() && bytes < 0)
                    {
                        bytes = await VideoIntake.ReceiveAsync(section.Body, received, media.Value.MaxUploadBytes, append: false, cancellationToken);
                    }
                    else if (name is "caption" or "visibility")
                    {
                        var value = await ReadFieldAsync(section.Body, cancellationToken);
                        if (value is null)
                        {
                            return Problems.Invalid(name, $"The {name} field is too long.");
                        }

                        (caption, visibility) = name == "caption" ? (value, visibility) : (caption, value);
                    }
                }
            }
            catch (UploadTooLargeException tooLarge)
            {
                return TypedResults.Problem(title: tooLarge.Message, statusCode: StatusCodes.Status413PayloadTooLarge);
            }
            catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // The body ran past the request limit (a huge part before the file, or no declared length).
                return TypedResults.Problem(title: UploadTooLargeException.MessageFor(media.Value.MaxUploadBytes), statusCode: StatusCodes.Status413PayloadTooLarge);
            }
            catch (InvalidDataException)
            {
                return Problems.Invalid("file", "The upload is not well-formed multipart/form-data.");
            }
            catch (IOException) when (!cancellationToken.IsCancellationRequested)
            {
                // The form ended before its closing boundary (or the connection dropped): as with a tus chunk
                // cut off, nothing was kept, and the client is told to send it again.
                return Problems.Invalid("file", "The upload was cut off before the end of the form; send it again.");
            }

            if (bytes <= 0)
            {
                return Problems.Invalid("file", bytes == 0 ? "The file is empty." : "The upload has no 'file' part.");
            }

            var created = await intake.CreateAsync(user.UserId(), new NewVideo(caption, visibility), cancellationToken);
            if (!created.Succeeded)
            {
                return Problems.From(created.Failure!);
            }

            await intake.AcceptAsync(created.Value, received, cancellationToken);
            return TypedResults.Accepted($"/api/videos/{created.Value}", new VideoAccepted(created.Value, "processing"));
        }
        finally
        {
            File.Delete(received);
        }
    }

    private static async Task<Results<ServerSentEventsResult<VideoStatusEvent>, ProblemHttpResult>> Events(
        long id, ClaimsPrincipal user, VideoLibrary library, TimeProvider clock, CancellationToken cancellationToken)
    {
        var first = await library.GetAsync(user.UserId(), id, cancellationToken);
        return first.Succeeded
            ? TypedResults.ServerSentEvents(StatusChangesAsync(id, user.UserId(), library, clock, cancellationToken), "status")
            : Problems.From(first.Failure!);
    }

    // Polls the database rather than listening to the worker, so that it works whichever server runs the job.
    private static async IAsyncEnumerable<VideoStatusEvent> StatusChangesAsync(long id, long viewerId, VideoLibrary library, TimeProvider clock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        VideoStatusEvent? last = null;
        var until = clock.GetUtcNow() + TimeSpan.FromMinutes(30);
        while (!cancellationToken.IsCancellationRequested && clock.GetUtcNow() < until)
        {
            var video = await library.GetAsync(viewerId, id, cancellationToken);
            if (!video.Succeeded)
            {
                yield break;
            }

            var now = new VideoStatusEvent(id, video.Value!.Status, video.Value.StatusReason, video.Value.Progress);
            if (now != last)
            {
                last = now;
                yield return now;
            }

            if (now.Status is "ready" or "failed")
            {
                yield break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), clock, cancellationToken);
        }
    }

    private static async Task<IResult> MediaAsync(long id, string name, ClaimsPrincipal user, VideoLibrary library, IObjectStore store, HttpContext context, CancellationToken cancellationToken)
    {
        // Only names the pipeline makes: no other key, and no path traversal, can be asked for.
        if (!RenditionName().IsMatch(name))
        {
            return Problems.From(Platform.Failure.NotFound("The file"));
        }

        // Authorised on every request, by the same visibility rule as every other read: a private,
        // followers-only, deleted or removed video is not found for whoever may not watch it.
        var video = await library.GetAsync(user.UserId(), id, cancellationToken);
        if (!video.Succeeded || video.Value!.Status != "ready")
        {
            return Problems.From(Platform.Failure.NotFound("The video"));
        }

        var stored = await store.OpenAsync(MediaKeys.Rendition(id, name), cancellationToken);
        if (stored is null)
        {
            return Problems.From(Platform.Failure.NotFound("The file"));
        }

        // Rendition files never change once published; "private" keeps shared caches from serving them to
        // anyone the server has not authorised.
        context.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        context.Response.Headers.Vary = "Cookie, Authorization";
        return TypedResults.Stream(stored.Content, MediaPipeline.ContentTypeOf(name), lastModified: stored.LastModified,
            entityTag: new EntityTagHeaderValue(stored.ETag), enableRangeProcessing: true);
    }

    private static async Task<string?> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxFieldBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    [GeneratedRegex(@"^(video(-[0-9]{2,4}p)?\.mp4|poster\.(jpg|webp)|hls/master\.m3u8|hls/[0-9]{2,4}p/(index\.m3u8|init\.mp4|seg_[0-9]{3,5}\.m4s))$", RegexOptions.CultureInvariant)]
    private static partial Regex RenditionName();
}
