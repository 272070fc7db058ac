using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Platform;
using Reeltime.Platform.Search;
using Reeltime.Platform.Videos;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>Search over captions, users and hashtags.</summary>
internal static class SearchApi
{
    /// <summary>
    /// Search results grouped by type (the web client reads these); with <c>type=</c>, the same results also as
    /// the <c>items</c> of a page with its <c>nextCursor</c>, as every list of the API.
    /// </summary>
    public sealed record SearchResults(string Query, IReadOnlyList<VideoView> Videos, IReadOnlyList<UserHit> Users, IReadOnlyList<HashtagHit> Hashtags)
    {
        /// <summary>The page's results when one type was asked for; absent otherwise.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<object>? Items { get; init; }

        /// <summary>The cursor of the next page of the asked type; null at the end, and when no type was asked for.</summary>
        public string? NextCursor { get; init; }
    }

    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", SearchAsync).WithTags("Search").WithName("Search")
            .WithSummary("Searches videos, users or hashtags (type=videos|users|hashtags, or all when omitted); the last word matches as a prefix. With a type, pages by cursor.");
        return app;
    }

    private static async Task<Results<Ok<SearchResults>, ProblemHttpResult>> SearchAsync(string? q, string? type, string? cursor, int? count, ClaimsPrincipal user, SearchService search, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(q))
        {
            return Problems.Invalid("q", "Say what to search for with ?q=.");
        }

        if (q.Length > SearchService.MaxQueryLength || !CaptionRules.IsWellFormedUtf16(q))
        {
            return Problems.Invalid("q", $"A search has at most {SearchService.MaxQueryLength} characters of valid text.");
        }

        if (Problems.Paging(cursor, count, out var position, out var size, defaultCount: 10) is { } invalid)
        {
            return Problems.From(invalid);
        }

        var kind = type?.ToUpperInvariant();
        if (kind is not (null or "" or "VIDEOS" or "USERS" or "HASHTAGS"))
        {
            return Problems.Invalid("type", "type is videos, users or hashtags.");
        }

        var viewer = user.UserId();
        if (string.IsNullOrEmpty(kind))
        {
            if (position is not null)
            {
                return Problems.Invalid("cursor", "A cursor pages the results of one type: say which with type=.");
            }

            return TypedResults.Ok(new SearchResults(
                q,
                await search.VideosAsync(viewer, q, 0, size, cancellationToken),
                await search.UsersAsync(viewer, q, 0, size, cancellationToken),
                await search.HashtagsAsync(q, 0, size, cancellationToken)));
        }

        // Search is ranked, not ordered by time: its cursor is a rank, and a time cursor from another list is refused.
        var skip = position is null ? 0 : position.Value.Rank ?? -1;
        if (skip is < 0 or > SearchService.MaxDepth)
        {
            return Problems.Invalid("cursor", "The cursor is not one this search gave out.");
        }

        // One more than asked tells whether a next page exists.
        var take = size + 1;
        IReadOnlyList<VideoView> videos = kind == "VIDEOS" ? await search.VideosAsync(viewer, q, skip, take, cancellationToken) : [];
        IReadOnlyList<UserHit> users = kind == "USERS" ? await search.UsersAsync(viewer, q, skip, take, cancellationToken) : [];
        IReadOnlyList<HashtagHit> hashtags = kind == "HASHTAGS" ? await search.HashtagsAsync(q, skip, take, cancellationToken) : [];
        var more = videos.Count + users.Count + hashtags.Count > size && skip + size < SearchService.MaxDepth;
        videos = [.. videos.Take(size)];
        users = [.. users.Take(size)];
        hashtags = [.. hashtags.Take(size)];
        IReadOnlyList<object> items = kind switch
        {
            "VIDEOS" => [.. videos],
            "USERS" => [.. users],
            _ => [.. hashtags],
        };
        return TypedResults.Ok(new SearchResults(q, videos, users, hashtags)
        {
            Items = items,
            NextCursor = more ? Cursor.AtRank(skip + size).Encode() : null,
        });
    }
}
