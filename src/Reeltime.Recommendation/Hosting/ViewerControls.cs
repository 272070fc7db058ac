using Microsoft.Extensions.Options;
using Reeltime.Platform;
using Reeltime.Platform.Events;
using Reeltime.Platform.Videos;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation.Hosting;

/// <summary>What "not interested" applies to.</summary>
public enum NotInterestedScope
{
    /// <summary>This video.</summary>
    Video,
    /// <summary>Every video of its creator.</summary>
    Creator,
    /// <summary>Every video with one of its hashtags.</summary>
    Hashtag,
}

/// <summary>
/// The viewer's controls over the engine: "not interested", the interests it believes in, deleting one,
/// resetting all. Every control is written to the event log (so a replay after a crash replays it in
/// order with what was learned) and takes effect on the next feed page. A viewer only ever acts on their
/// own state: the user id comes from the session, never from the request.
/// </summary>
public sealed class ViewerControls(ForYouEngineHost host, IEventLog log, VideoLibrary videos, TimeProvider clock, IOptions<EngineOptions> options)
{
    /// <summary>Parses a scope name; null if unknown.</summary>
    public static NotInterestedScope? ParseScope(string? scope) => scope?.ToUpperInvariant() switch
    {
        null or "" or "VIDEO" => NotInterestedScope.Video,
        "CREATOR" => NotInterestedScope.Creator,
        "HASHTAG" => NotInterestedScope.Hashtag,
        _ => null,
    };

    /// <summary>
    /// "Not interested" in a video the viewer may see, its creator, or one of its hashtags (named by
    /// <paramref name="hashtag"/>, or the video's only hashtag).
    /// </summary>
    public async Task<Outcome<Done>> NotInterestedAsync(long userId, long videoId, NotInterestedScope scope, string? hashtag, CancellationToken cancellationToken)
    {
        var video = await videos.GetAsync(userId, videoId, cancellationToken);
        if (!video.Succeeded)
        {
            return video.Failure!;
        }

        var view = video.Value!;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        WatchEvent control;
        switch (scope)
        {
            case NotInterestedScope.Video:
                control = new WatchEvent(WatchEventType.NotInterested, userId, videoId, view.Author.Id, 0, 0, 0, now, now, FeedSurface.ForYou);
                break;
            case NotInterestedScope.Creator:
                if (view.Author.Id == userId)
                {
                    return Failure.Invalid("scope", "You cannot hide your own videos from yourself this way.");
                }

                control = new WatchEvent(WatchEventType.NotInterestedInSubject, userId, videoId, view.Author.Id, 0, 0, 0, now, now, FeedSurface.ForYou);
                break;
            default:
                var name = hashtag?.TrimStart('#').ToLowerInvariant();
                if (name is null)
                {
                    if (view.Hashtags.Count != 1)
                    {
                        return Failure.Invalid("hashtag", view.Hashtags.Count == 0
                            ? "This video has no hashtags."
                            : $"Say which hashtag: this video has {string.Join(", ", view.Hashtags.Select(h => "#" + h))}.");
                    }

                    name = view.Hashtags[0];
                }
                else if (!view.Hashtags.Contains(name, StringComparer.Ordinal))
                {
                    return Failure.Invalid("hashtag", $"This video does not have #{name}.");
                }

                var id = await HashtagIdAsync(name, cancellationToken);
                if (id is null)
                {
                    return Failure.NotFound("The hashtag");
                }

                control = new WatchEvent(WatchEventType.NotInterestedInSubject, userId, videoId, 0, id.Value, 0, 0, now, now, FeedSurface.ForYou);
                break;
        }

        await AppendAndWaitAsync(control, cancellationToken);
        return Done.Value;
    }

    /// <summary>The top hashtags and creators the engine believes the viewer likes, and what they said no to.</summary>
    public async Task<ViewerInterests> InterestsAsync(long userId, CancellationToken cancellationToken)
    {
        var engine = await host.EngineAsync(cancellationToken);
        await engine.WaitForAppliedAsync(log.NextOffset, options.Value.FreshnessWait, cancellationToken);
        return engine.Interests(userId);
    }

    /// <summary>Forgets everything learned about the viewer (explicit "not interested" choices stay).</summary>
    public async Task ResetAsync(long userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await AppendAndWaitAsync(new WatchEvent(WatchEventType.InterestsReset, userId, 0, 0, 0, 0, 0, now, now, FeedSurface.Unknown), cancellationToken);
    }

    /// <summary>Deletes one learned interest in a hashtag.</summary>
    public async Task<Outcome<Done>> RemoveHashtagAsync(long userId, string name, CancellationToken cancellationToken)
    {
        var id = await HashtagIdAsync(name.TrimStart('#').ToLowerInvariant(), cancellationToken);
        if (id is null)
        {
            return Failure.NotFound("The hashtag");
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await AppendAndWaitAsync(new WatchEvent(WatchEventType.InterestRemoved, userId, 0, 0, id.Value, 0, 0, now, now, FeedSurface.Unknown), cancellationToken);
        return Done.Value;
    }

    /// <summary>Deletes one learned interest in a creator.</summary>
    public async Task<Outcome<Done>> RemoveCreatorAsync(long userId, string username, CancellationToken cancellationToken)
    {
        var engine = await host.EngineAsync(cancellationToken);
        if (engine.FindSubject(username, creator: true) is not { } id)
        {
            return Failure.NotFound("The creator");
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await AppendAndWaitAsync(new WatchEvent(WatchEventType.InterestRemoved, userId, 0, id, 0, 0, 0, now, now, FeedSurface.Unknown), cancellationToken);
        return Done.Value;
    }

    /// <summary>Takes back a "not interested" in a hashtag: its videos may be served again from the next page on.</summary>
    public async Task<Outcome<Done>> WithdrawNotInterestedInHashtagAsync(long userId, string name, CancellationToken cancellationToken)
    {
        var tag = name.TrimStart('#').ToLowerInvariant();
        var refused = (await InterestsAsync(userId, cancellationToken)).NotInterestedHashtags.FirstOrDefault(h => h.Name == tag);
        return await WithdrawAsync(userId, refused, creatorId: 0, hashtagId: refused?.Id ?? 0, "#" + tag, cancellationToken);
    }

    /// <summary>Takes back a "not interested" in a creator: their videos may be served again from the next page on.</summary>
    public async Task<Outcome<Done>> WithdrawNotInterestedInCreatorAsync(long userId, string username, CancellationToken cancellationToken)
    {
        var refused = (await InterestsAsync(userId, cancellationToken)).NotInterestedCreators.FirstOrDefault(c => string.Equals(c.Name, username, StringComparison.OrdinalIgnoreCase));
        return await WithdrawAsync(userId, refused, creatorId: refused?.Id ?? 0, hashtagId: 0, "@" + username, cancellationToken);
    }

    // The event carries its subject as NotInterestedInSubject does: a creator id, or a hashtag id in SessionId.
    private async Task<Outcome<Done>> WithdrawAsync(long userId, InterestView? refused, long creatorId, long hashtagId, string subject, CancellationToken cancellationToken)
    {
        if (refused is null)
        {
            return Failure.NotFound($"A \"not interested\" in {subject}");
        }

        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await AppendAndWaitAsync(new WatchEvent(WatchEventType.NotInterestedWithdrawn, userId, 0, creatorId, hashtagId, 0, 0, now, now, FeedSurface.Unknown), cancellationToken);
        return Done.Value;
    }

    private async Task<long?> HashtagIdAsync(string name, CancellationToken cancellationToken)
    {
        var engine = await host.EngineAsync(cancellationToken);
        if (engine.FindSubject(name, creator: false) is { } id)
        {
            return id;
        }

        await host.RefreshAsync(cancellationToken);
        return engine.FindSubject(name, creator: false);
    }

    private async Task AppendAndWaitAsync(WatchEvent control, CancellationToken cancellationToken)
    {
        var engine = await host.EngineAsync(cancellationToken);
        if (control.VideoId != 0 && !engine.KnowsVideo(control.VideoId))
        {
            await host.RefreshAsync(cancellationToken);
        }

        var offset = await log.AppendAsync(new[] { control }, cancellationToken);
        await engine.WaitForAppliedAsync(offset + 1, options.Value.FreshnessWait, cancellationToken);
    }
}
