using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Reeltime.Platform.Events;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>Watch telemetry: the first step of a swipe's path to the recommender.</summary>
internal static class EventsApi
{
    public const int MaxBatch = 500;
    private const int MaxMillis = 24 * 60 * 60 * 1000;
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(1);
    private static readonly TimeSpan MaxAge = TimeSpan.FromDays(7);

    /// <summary>One event as a client sends it.</summary>
    /// <param name="Type">impression, play, progress, complete, replay, skip, share or not-interested.</param>
    /// <param name="VideoId">The video.</param>
    /// <param name="WatchTimeMs">Milliseconds watched in this view.</param>
    /// <param name="PositionMs">Playback position in milliseconds.</param>
    /// <param name="ClientTime">When it happened on the client, Unix milliseconds.</param>
    /// <param name="SessionId">The client's viewing session (any positive number the client picks).</param>
    /// <param name="Surface">for-you, following, profile, hashtag or search.</param>
    public sealed record ClientEvent(string? Type, long VideoId, int WatchTimeMs, int PositionMs, long ClientTime, long SessionId, string? Surface);

    public sealed record EventBatch(List<ClientEvent>? Events);

    public sealed record BatchAccepted(int Accepted, long FirstOffset);

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/events", AppendAsync).WithTags("Events").WithName("PostEvents")
            .WithSummary("Appends a batch of at most 500 watch events; answers 202 once they are durable.")
            .WithMetadata(new RequestSizeLimitAttribute(256 * 1024))
            .RequireRateLimiting(ServerSetup.EventsRateLimit);
        return app;
    }

    private static async Task<Results<Accepted<BatchAccepted>, ProblemHttpResult>> AppendAsync(
        EventBatch batch, ClaimsPrincipal user, IEventLog log, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (batch.Events is not { Count: > 0 } events)
        {
            return Problems.Invalid("events", "The batch has no events.");
        }

        if (events.Count > MaxBatch)
        {
            return Problems.Invalid("events", $"A batch has at most {MaxBatch} events; this one has {events.Count}.");
        }

        var now = clock.GetUtcNow();
        var serverTime = now.ToUnixTimeMilliseconds();
        var earliest = (now - MaxAge).ToUnixTimeMilliseconds();
        var latest = (now + MaxClockSkew).ToUnixTimeMilliseconds();
        var userId = user.UserId();
        var stamped = new WatchEvent[events.Count];
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"events[{i}]");
            if (e is null)
            {
                errors[prefix] = ["The event is empty."];
                continue;
            }

            var type = ParseType(e.Type);
            var surface = ParseSurface(e.Surface);
            string? problem = type is null ? $"Unknown event type '{Clip(e.Type)}'. Known: impression, play, progress, complete, replay, skip, share, not-interested."
                : surface is null ? $"Unknown surface '{Clip(e.Surface)}'. Known: for-you, following, profile, hashtag, search."
                : e.VideoId <= 0 ? "videoId must be a positive video id."
                : e.WatchTimeMs is < 0 or > MaxMillis ? "watchTimeMs is between 0 and 86,400,000."
                : e.PositionMs is < 0 or > MaxMillis ? "positionMs is between 0 and 86,400,000."
                : e.ClientTime < earliest || e.ClientTime > latest ? "clientTime (Unix milliseconds) is more than a day ahead of the server or more than a week old."
                : e.SessionId < 0 ? "sessionId may not be negative."
                : null;
            if (problem is not null)
            {
                errors[prefix] = [problem];
                continue;
            }

            stamped[i] = new WatchEvent(type!.Value, userId, e.VideoId, 0, e.SessionId, e.WatchTimeMs, e.PositionMs, e.ClientTime, serverTime, surface!.Value);
        }

        if (errors.Count > 0)
        {
            // All or nothing: a client resends a corrected batch without guessing which events landed.
            // Name the first few only: a bad client sends the same mistake five hundred times.
            const int Shown = 20;
            var title = errors.Count == 1 ? $"{errors.Keys.First()}: {errors.Values.First()[0]}" : $"{errors.Count} events are invalid; none was recorded.";
            return TypedResults.Problem(title: title, statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["errors"] = errors.Count <= Shown ? errors : errors.Take(Shown).ToDictionary(StringComparer.Ordinal) });
        }

        var first = await log.AppendAsync(stamped, cancellationToken);
        return TypedResults.Accepted((string?)null, new BatchAccepted(stamped.Length, first));
    }

    private static WatchEventType? ParseType(string? type) => type?.ToUpperInvariant() switch
    {
        "IMPRESSION" => WatchEventType.Impression,
        "PLAY" => WatchEventType.Play,
        "PROGRESS" => WatchEventType.Progress,
        "COMPLETE" => WatchEventType.Complete,
        "REPLAY" => WatchEventType.Replay,
        "SKIP" => WatchEventType.Skip,
        "SHARE" => WatchEventType.Share,
        "NOT-INTERESTED" or "NOTINTERESTED" or "NOT_INTERESTED" => WatchEventType.NotInterested,
        _ => null,
    };

    private static FeedSurface? ParseSurface(string? surface) => surface?.ToUpperInvariant() switch
    {
        null or "" => FeedSurface.Unknown,
        "FOR-YOU" or "FORYOU" => FeedSurface.ForYou,
        "FOLLOWING" => FeedSurface.Following,
        "PROFILE" => FeedSurface.Profile,
        "HASHTAG" => FeedSurface.Hashtag,
        "SEARCH" => FeedSurface.Search,
        _ => null,
    };

    private static string Clip(string? s) => s is null ? "(none)" : s.Length <= 40 ? s : s[..40] + "…";
}
