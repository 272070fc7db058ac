using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Platform.Accounts;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Graph;
using Reeltime.Platform.Videos;
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
        api.MapGet("/follow-requests", FollowRequestsAsync).WithName("GetFollowRequests").WithSummary("Pending requests to follow the caller.");
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

    private static async Task<Ok<IReadOnlyList<FollowRequest>>> FollowRequestsAsync(ClaimsPrincipal user, SocialGraph graph, CancellationToken cancellationToken) =>
        TypedResults.Ok(await graph.ListFollowRequestsAsync(user.UserId(), cancellationToken));
}
