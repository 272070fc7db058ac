using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Recommendation.Hosting;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>Feedback to the recommender: "not interested".</summary>
internal static class FeedbackApi
{
    /// <summary>"Not interested" in a video, its creator or one of its hashtags.</summary>
    /// <param name="VideoId">The video it was said on.</param>
    /// <param name="Scope">video (default), creator or hashtag.</param>
    /// <param name="Hashtag">For scope hashtag: which of the video's hashtags (optional when it has one).</param>
    public sealed record NotInterested(long VideoId, string? Scope, string? Hashtag);

    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/feedback").WithTags("Feedback").RequireAuthorization();
        api.MapPost("/not-interested", NotInterestedAsync).WithName("NotInterested")
            .WithSummary("Not interested in a video, its creator or a hashtag; takes effect on the next For You page.");
        return app;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> NotInterestedAsync(NotInterested body, ClaimsPrincipal user, ViewerControls controls, CancellationToken cancellationToken)
    {
        if (ViewerControls.ParseScope(body.Scope) is not { } scope)
        {
            return Problems.Invalid("scope", "scope is one of video, creator or hashtag.");
        }

        if (body.VideoId <= 0)
        {
            return Problems.Invalid("videoId", "videoId must be a positive video id.");
        }

        var outcome = await controls.NotInterestedAsync(user.UserId(), body.VideoId, scope, body.Hashtag, cancellationToken);
        return outcome.Succeeded ? TypedResults.NoContent() : Problems.From(outcome.Failure!);
    }
}
