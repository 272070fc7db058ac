using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Platform.Search;
using Reeltime.Platform.Videos;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>Search over captions, users and hashtags.</summary>
internal static class SearchApi
{
    public sealed record SearchResults(string Query, IReadOnlyList<VideoView> Videos, IReadOnlyList<UserHit> Users, IReadOnlyList<HashtagHit> Hashtags);

    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", SearchAsync).WithTags("Search").WithName("Search")
            .WithSummary("Searches videos, users or hashtags (type=videos|users|hashtags, or all when omitted); the last word matches as a prefix.");
        return app;
    }

    private static async Task<Results<Ok<SearchResults>, ProblemHttpResult>> SearchAsync(string? q, string? type, int? count, ClaimsPrincipal user, SearchService search, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(q))
        {
            return Problems.Invalid("q", "Say what to search for with ?q=.");
        }

        if (q.Length > SearchService.MaxQueryLength || !CaptionRules.IsWellFormedUtf16(q))
        {
            return Problems.Invalid("q", $"A search has at most {SearchService.MaxQueryLength} characters of valid text.");
        }

        if (Problems.Paging(null, count, out _, out var size, defaultCount: 10) is { } invalid)
        {
            return Problems.From(invalid);
        }

        var kind = type?.ToUpperInvariant();
        if (kind is not (null or "" or "VIDEOS" or "USERS" or "HASHTAGS"))
        {
            return Problems.Invalid("type", "type is videos, users or hashtags.");
        }

        var all = string.IsNullOrEmpty(kind);
        var viewer = user.UserId();
        IReadOnlyList<VideoView> videos = all || kind == "VIDEOS" ? await search.VideosAsync(viewer, q, size, cancellationToken) : [];
        IReadOnlyList<UserHit> users = all || kind == "USERS" ? await search.UsersAsync(viewer, q, size, cancellationToken) : [];
        IReadOnlyList<HashtagHit> hashtags = all || kind == "HASHTAGS" ? await search.HashtagsAsync(q, size, cancellationToken) : [];
        return TypedResults.Ok(new SearchResults(q, videos, users, hashtags));
    }
}
