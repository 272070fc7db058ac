using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Reeltime.Media;
using Reeltime.Media.Uploads;
using Reeltime.Platform.Videos;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>
/// Resumable uploads for large files on flaky connections: the tus 1.0.0 protocol (core, creation,
/// termination). Create with POST (Upload-Length, Upload-Metadata with caption and visibility), send chunks
/// with PATCH at the Upload-Offset, ask HEAD for the offset after a dropped connection. The last chunk's
/// answer carries the new video's id in <c>Reeltime-Video-Id</c>.
/// </summary>
internal static class UploadsApi
{
    private const string TusVersion = "1.0.0";
    private const string VideoIdHeader = "Reeltime-Video-Id";

    public static IEndpointRouteBuilder MapUploadsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/uploads").WithTags("Uploads");
        api.MapMethods("/", ["OPTIONS"], Discover).WithName("UploadOptions").WithSummary("tus discovery: version, extensions, largest size.");
        api.MapPost("/", CreateAsync).WithName("CreateUpload").WithSummary("Starts a resumable upload (tus creation).").RequireAuthorization();
        api.MapMethods("/{id}", ["HEAD"], OffsetAsync).WithName("UploadOffset").WithSummary("How many bytes of the upload have arrived (tus).").RequireAuthorization();
        api.MapGet("/{id}", GetAsync).WithName("GetUpload").WithSummary("The upload's state as JSON, with the video's id once complete.").RequireAuthorization();
        api.MapPatch("/{id}", AppendAsync).WithName("AppendUpload").WithSummary("Appends a chunk at Upload-Offset (tus).")
            .RequireAuthorization().WithMetadata(UploadSizeLimit.For(app));
        api.MapDelete("/{id}", DeleteAsync).WithName("DeleteUpload").WithSummary("Abandons an unfinished upload (tus termination).").RequireAuthorization();
        return app;
    }

    private static NoContent Discover(HttpResponse response, IOptions<MediaOptions> media)
    {
        Tus(response);
        response.Headers["Tus-Version"] = TusVersion;
        response.Headers["Tus-Extension"] = "creation,termination";
        response.Headers["Tus-Max-Size"] = media.Value.MaxUploadBytes.ToString(CultureInfo.InvariantCulture);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<UploadState>, ProblemHttpResult>> CreateAsync(HttpRequest request, ClaimsPrincipal user, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        Tus(request.HttpContext.Response);
        if (Version(request) is { } wrong)
        {
            return wrong;
        }

        if (!long.TryParse(request.Headers["Upload-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return Problems.Invalid("Upload-Length", "Say the file's size in the Upload-Length header (deferred lengths are not supported).");
        }

        if (!TryParseMetadata(request.Headers["Upload-Metadata"].ToString(), out var metadata))
        {
            return Problems.Invalid("Upload-Metadata", "Upload-Metadata is a comma-separated list of 'key base64value' pairs.");
        }

        var created = await uploads.CreateAsync(user.UserId(), length, new NewVideo(metadata.GetValueOrDefault("caption"), metadata.GetValueOrDefault("visibility")), cancellationToken);
        if (!created.Succeeded)
        {
            return Problems.From(created.Failure!);
        }

        request.HttpContext.Response.Headers["Upload-Expires"] = created.Value!.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
        return TypedResults.Created($"/api/uploads/{created.Value.Id}", created.Value);
    }

    private static async Task<Results<Ok, ProblemHttpResult>> OffsetAsync(string id, HttpResponse response, ClaimsPrincipal user, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        Tus(response);
        var upload = await uploads.GetAsync(user.UserId(), id, cancellationToken);
        if (!upload.Succeeded)
        {
            return Problems.From(upload.Failure!);
        }

        Describe(response, upload.Value!);
        return TypedResults.Ok();
    }

    private static async Task<Results<Ok<UploadState>, ProblemHttpResult>> GetAsync(string id, ClaimsPrincipal user, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        var upload = await uploads.GetAsync(user.UserId(), id, cancellationToken);
        return upload.Succeeded ? TypedResults.Ok(upload.Value!) : Problems.From(upload.Failure!);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AppendAsync(string id, HttpRequest request, ClaimsPrincipal user, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        Tus(request.HttpContext.Response);
        if (Version(request) is { } wrong)
        {
            return wrong;
        }

        if (!string.Equals(request.ContentType, "application/offset+octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(title: "Send chunks as application/offset+octet-stream.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        if (!long.TryParse(request.Headers["Upload-Offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return Problems.Invalid("Upload-Offset", "Say where the chunk starts in the Upload-Offset header.");
        }

        var appended = await uploads.AppendAsync(user.UserId(), id, offset, request.Body, cancellationToken);
        if (!appended.Succeeded)
        {
            return Problems.From(appended.Failure!);
        }

        Describe(request.HttpContext.Response, appended.Value!);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, HttpResponse response, ClaimsPrincipal user, ResumableUploads uploads, CancellationToken cancellationToken)
    {
        Tus(response);
        var deleted = await uploads.DeleteAsync(user.UserId(), id, cancellationToken);
        return deleted.Succeeded ? TypedResults.NoContent() : Problems.From(deleted.Failure!);
    }

    private static void Tus(HttpResponse response) => response.Headers["Tus-Resumable"] = TusVersion;

    private static void Describe(HttpResponse response, UploadState state)
    {
        response.Headers["Upload-Offset"] = state.Offset.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Length"] = state.Length.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        if (state.VideoId is { } video)
        {
            response.Headers[VideoIdHeader] = video.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static ProblemHttpResult? Version(HttpRequest request)
    {
        if (request.Headers["Tus-Resumable"] == TusVersion)
        {
            return null;
        }

        request.HttpContext.Response.Headers["Tus-Version"] = TusVersion;
        return TypedResults.Problem(title: "This server speaks tus 1.0.0: send Tus-Resumable: 1.0.0.", statusCode: StatusCodes.Status412PreconditionFailed);
    }

    private static bool TryParseMetadata(string header, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header))
        {
            return true;
        }

        foreach (var pair in header.Split(','))
        {
            var parts = pair.Trim().Split(' ', 2);
            if (parts[0].Length == 0 || metadata.ContainsKey(parts[0]))
            {
                return false;
            }

            try
            {
                metadata[parts[0]] = parts.Length == 2 ? Encoding.UTF8.GetString(Convert.FromBase64String(parts[1])) : "";
            }
            catch (FormatException)
            {
                return false;
            }
        }

        return true;
    }
}
