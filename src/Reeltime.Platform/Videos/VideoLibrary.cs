using Microsoft.EntityFrameworkCore;
using Reeltime.Platform.Storage;

namespace Reeltime.Platform.Videos;

/// <summary>A video's author as shown beside it.</summary>
public sealed record VideoAuthor(long Id, string Username, string? DisplayName);

/// <summary>A video's public counts.</summary>
public sealed record VideoCounts(int Likes, int Comments, int Bookmarks, int Shares);

/// <summary>The caller's own relation to a video.</summary>
public sealed record ViewerState(bool Liked, bool Bookmarked);

/// <summary>Where a ready video plays from: HLS for adaptive players, one MP4 for everything else.</summary>
public sealed record VideoPlayback(string? Hls, string Mp4)
{
    /// <summary>The URLs the media room publishes a ready video under; authorised per request.</summary>
    public static VideoPlayback For(long videoId) =>
        new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/api/videos/{videoId}/media/hls/master.m3u8"),
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/api/videos/{videoId}/media/video.mp4"));

    /// <summary>The poster image of a ready video (JPEG; <c>poster.webp</c> beside it).</summary>
    public static string PosterFor(long videoId) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/api/videos/{videoId}/media/poster.jpg");
}

/// <summary>A video as the caller may see it.</summary>
public sealed record VideoView(
    long Id,
    string Status,
    string? StatusReason,
    int? Progress,
    string Caption,
    IReadOnlyList<string> Hashtags,
    IReadOnlyList<string> Mentions,
    string Visibility,
    VideoAuthor Author,
    int DurationMs,
    int Width,
    int Height,
    VideoCounts Counts,
    ViewerState Viewer,
    DateTime CreatedAt,
    string? PosterUrl = null,
    VideoPlayback? Playback = null);

/// <summary>A new video's metadata.</summary>
public sealed record NewVideo(string? Caption, string? Visibility);

/// <summary>Videos' metadata: creation, lookup under the visibility rules, soft delete and purge.</summary>
public sealed class VideoLibrary(PlatformDbContext db, TimeProvider clock)
{
    /// <summary>Parses a visibility name; null means public.</summary>
    public static VideoVisibility? ParseVisibility(string? visibility) => visibility?.ToUpperInvariant() switch
    {
        null or "" or "PUBLIC" => VideoVisibility.Public,
        "FOLLOWERS" => VideoVisibility.Followers,
        "PRIVATE" => VideoVisibility.Private,
        _ => null,
    };

    /// <summary>Checks a new video's metadata before any bytes are accepted.</summary>
    public static Failure? Check(NewVideo video, out string caption, out VideoVisibility visibility)
    {
        visibility = ParseVisibility(video.Visibility) ?? VideoVisibility.Public;
        if (ParseVisibility(video.Visibility) is null)
        {
            caption = string.Empty;
            return Failure.Invalid("visibility", "Visibility is one of public, followers or private.");
        }

        return CaptionRules.Check(video.Caption, out caption) is { } error ? Failure.Invalid("caption", error) : null;
    }

    /// <summary>Records a new video with its hashtags and mentions, in the status the media room gives it.</summary>
    /// <param name="authorId">The creator.</param>
    /// <param name="video">Caption and visibility.</param>
    /// <param name="status">The status it starts in.</param>
    /// <param name="alongside">
    /// Work that must commit or roll back with the video (the media room queues its job here), given the new id;
    /// it runs on this library's database context, inside its transaction.
    /// </param>
    /// <param name="cancellationToken">Cancels the work.</param>
    public async Task<Outcome<long>> CreateAsync(long authorId, NewVideo video, VideoStatus status, Func<long, Task>? alongside, CancellationToken cancellationToken)
    {
        if (Check(video, out var caption, out var visibility) is { } failure)
        {
            return failure;
        }

        var parsed = CaptionRules.Parse(caption);
        var record = new VideoRecord
        {
            AuthorId = authorId,
            Caption = caption,
            Visibility = visibility,
            Status = status,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var tag in parsed.Hashtags)
        {
            // Two uploads may bring the same new hashtag at once: insert it if absent (a concurrent insert
            // makes this one wait, then do nothing), then read its id, so neither trips on the unique name.
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO "Hashtags" ("Name", "VideoCount") VALUES ({tag}, 0) ON CONFLICT ("Name") DO NOTHING""", cancellationToken);
            var hashtagId = await db.Hashtags.Where(h => h.Name == tag).Select(h => h.Id).SingleAsync(cancellationToken);
            record.Hashtags.Add(new VideoHashtagRecord { HashtagId = hashtagId });
        }

        if (parsed.Mentions.Count > 0)
        {
            var names = parsed.Mentions.Select(Accounts.UsernameRules.Normalize).ToList();
            var mentioned = await db.Users.Where(u => names.Contains(u.NormalizedUsername)).Select(u => u.Id).ToListAsync(cancellationToken);
            record.Mentions.AddRange(mentioned.Select(id => new VideoMentionRecord { UserId = id }));
        }

        db.Videos.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        await db.Users.Where(u => u.Id == authorId).ExecuteUpdateAsync(u => u.SetProperty(x => x.VideoCount, x => x.VideoCount + 1), cancellationToken);
        var tagIds = record.Hashtags.Select(h => h.HashtagId).ToList();
        await db.Hashtags.Where(h => tagIds.Contains(h.Id)).ExecuteUpdateAsync(h => h.SetProperty(x => x.VideoCount, x => x.VideoCount + 1), cancellationToken);
        if (alongside is not null)
        {
            await alongside(record.Id);
        }

        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return record.Id;
    }

    /// <summary>A video, if <paramref name="viewerId"/> may see it.</summary>
    public async Task<Outcome<VideoView>> GetAsync(long viewerId, long videoId, CancellationToken cancellationToken)
    {
        var page = await VideoViews.LoadAsync(db, viewerId, db.Videos.Where(v => v.Id == videoId).VisibleTo(db, viewerId), cancellationToken);
        return page.Count == 0 ? Failure.NotFound("The video") : page[0];
    }

    /// <summary>
    /// The videos of <paramref name="rankedIds"/> that <paramref name="viewerId"/> may see, in the given order;
    /// the others are left out. The recommender's last filter: it ranks ids, this applies the visibility rules.
    /// </summary>
    public async Task<IReadOnlyList<VideoView>> GetVisibleAsync(long viewerId, IReadOnlyList<long> rankedIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rankedIds);
        if (rankedIds.Count == 0)
        {
            return [];
        }

        var ids = rankedIds.ToList();
        return await VideoViews.LoadAsync(db, viewerId, db.Videos.Where(v => ids.Contains(v.Id)).VisibleTo(db, viewerId), cancellationToken, rankedIds);
    }

    /// <summary>
    /// The media room reports progress: status, reason, percent, and what it learned of the file. A report that
    /// the video is still processing never takes a ready or failed video back: a progress report in flight
    /// while the job finishes may land after the final status.
    /// </summary>
    public Task SetStatusAsync(long videoId, VideoStatus status, string? reason, int? progress, int? durationMs, int? width, int? height, CancellationToken cancellationToken) =>
        db.Videos.Where(v => v.Id == videoId && (status != VideoStatus.Processing || v.Status == VideoStatus.Uploaded || v.Status == VideoStatus.Processing)).ExecuteUpdateAsync(
            v => v.SetProperty(x => x.Status, status)
                .SetProperty(x => x.StatusReason, reason)
                .SetProperty(x => x.Progress, progress)
                .SetProperty(x => x.DurationMs, x => durationMs ?? x.DurationMs)
                .SetProperty(x => x.Width, x => width ?? x.Width)
                .SetProperty(x => x.Height, x => height ?? x.Height),
            cancellationToken);

    /// <summary>
    /// The author changes who can watch a video. Every list applies the new rule from the next request; the For
    /// You engine's copy follows on its next resync, and serving checks visibility against the database anyway.
    /// </summary>
    public async Task<Outcome<VideoView>> ChangeVisibilityAsync(long callerId, long videoId, string? visibility, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(visibility) || ParseVisibility(visibility) is not { } wanted)
        {
            return Failure.Invalid("visibility", "Say who can watch: public, followers or private.");
        }

        if (await AuthorCheckAsync(callerId, videoId, "change who can watch it", cancellationToken) is { } refused)
        {
            return refused;
        }

        await db.Videos.Where(v => v.Id == videoId && v.AuthorId == callerId && v.DeletedAt == null)
            .ExecuteUpdateAsync(v => v.SetProperty(x => x.Visibility, wanted), cancellationToken);
        return await GetAsync(callerId, videoId, cancellationToken);
    }

    // Only the author may change a video. Another user's video is "not found", not "forbidden", unless they can see it.
    private async Task<Failure?> AuthorCheckAsync(long callerId, long videoId, string action, CancellationToken cancellationToken)
    {
        var video = await db.Videos.AsNoTracking().Where(v => v.Id == videoId).VisibleTo(db, callerId).Select(v => new { v.AuthorId }).SingleOrDefaultAsync(cancellationToken);
        if (video is null)
        {
            return Failure.NotFound("The video");
        }

        return video.AuthorId == callerId ? null : new Failure(FailureKind.Forbidden, $"Only the video's author can {action}.");
    }

    /// <summary>The author deletes a video: gone from every list at once, purged after the grace period.</summary>
    public async Task<Outcome<Done>> DeleteAsync(long callerId, long videoId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;

        if (await AuthorCheckAsync(callerId, videoId, "delete it", cancellationToken) is { } refused)
        {
            return refused;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.Videos.Where(v => v.Id == videoId && v.AuthorId == callerId && v.DeletedAt == null)
            .ExecuteUpdateAsync(v => v.SetProperty(x => x.DeletedAt, now), cancellationToken);
        if (deleted > 0)
        {
            await db.Users.Where(u => u.Id == callerId).ExecuteUpdateAsync(u => u.SetProperty(x => x.VideoCount, x => x.VideoCount - 1), cancellationToken);
            var tagIds = db.VideoHashtags.Where(l => l.VideoId == videoId).Select(l => l.HashtagId);
            await db.Hashtags.Where(h => tagIds.Contains(h.Id)).ExecuteUpdateAsync(h => h.SetProperty(x => x.VideoCount, x => x.VideoCount - 1), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Done.Value;
    }

    /// <summary>Removes for good the videos deleted before <paramref name="deletedBefore"/>, with their engagement. Returns their ids.</summary>
    public async Task<IReadOnlyList<long>> PurgeAsync(DateTime deletedBefore, CancellationToken cancellationToken)
    {
        var ids = await db.Videos.Where(v => v.DeletedAt != null && v.DeletedAt < deletedBefore).OrderBy(v => v.DeletedAt).ThenBy(v => v.Id).Select(v => v.Id).Take(1000).ToListAsync(cancellationToken);
        if (ids.Count == 0)
        {
            return ids;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Likes.Where(l => ids.Contains(l.VideoId)).ExecuteDeleteAsync(cancellationToken);
        await db.Bookmarks.Where(b => ids.Contains(b.VideoId)).ExecuteDeleteAsync(cancellationToken);
        await db.Comments.Where(c => ids.Contains(c.VideoId)).ExecuteDeleteAsync(cancellationToken);
        await db.VideoHashtags.Where(l => ids.Contains(l.VideoId)).ExecuteDeleteAsync(cancellationToken);
        await db.VideoMentions.Where(l => ids.Contains(l.VideoId)).ExecuteDeleteAsync(cancellationToken);
        await db.VideoRenditions.Where(r => ids.Contains(r.VideoId)).ExecuteDeleteAsync(cancellationToken);
        await db.MediaJobs.Where(j => ids.Contains(j.VideoId)).ExecuteDeleteAsync(cancellationToken);
        await db.Videos.Where(v => ids.Contains(v.Id)).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ids;
    }

    /// <summary>The author of a video the caller may see, for engagement checks.</summary>
    internal Task<long?> FindVisibleAuthorAsync(long viewerId, long videoId, CancellationToken cancellationToken) =>
        db.Videos.AsNoTracking().Where(v => v.Id == videoId).VisibleTo(db, viewerId).Select(v => (long?)v.AuthorId).SingleOrDefaultAsync(cancellationToken);
}

/// <summary>Turns a query of visible videos into views, in three round trips whatever the page size.</summary>
internal static class VideoViews
{
    /// <summary>
    /// Loads the views; they come back newest first, or in the order of <paramref name="rankedIds"/> when given
    /// (a join after a limit does not keep the query's order, so order is restored here).
    /// </summary>
    public static async Task<List<VideoView>> LoadAsync(PlatformDbContext db, long viewerId, IQueryable<VideoRecord> videos, CancellationToken cancellationToken, IReadOnlyList<long>? rankedIds = null)
    {
        var rows = await videos.AsNoTracking()
            .Join(db.Users, v => v.AuthorId, u => u.Id, (v, u) => new { Video = v, u.Username, u.DisplayName })
            .ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return [];
        }

        var ids = rows.Select(r => r.Video.Id).ToList();
        var tags = await db.VideoHashtags.AsNoTracking().Where(l => ids.Contains(l.VideoId))
            .Join(db.Hashtags, l => l.HashtagId, h => h.Id, (l, h) => new { l.VideoId, h.Name })
            .ToListAsync(cancellationToken);
        var mentions = await db.VideoMentions.AsNoTracking().Where(l => ids.Contains(l.VideoId))
            .Join(db.Users, l => l.UserId, u => u.Id, (l, u) => new { l.VideoId, u.Username })
            .ToListAsync(cancellationToken);
        HashSet<long> liked = [];
        HashSet<long> bookmarked = [];
        if (viewerId != 0)
        {
            liked = [.. await db.Likes.Where(l => l.UserId == viewerId && ids.Contains(l.VideoId)).Select(l => l.VideoId).ToListAsync(cancellationToken)];
            bookmarked = [.. await db.Bookmarks.Where(b => b.UserId == viewerId && ids.Contains(b.VideoId)).Select(b => b.VideoId).ToListAsync(cancellationToken)];
        }

        if (rankedIds is null)
        {
            rows = [.. rows.OrderByDescending(r => r.Video.CreatedAt).ThenByDescending(r => r.Video.Id)];
        }
        else
        {
            var rank = new Dictionary<long, int>(rankedIds.Count);
            for (var i = 0; i < rankedIds.Count; i++)
            {
                rank.TryAdd(rankedIds[i], i);
            }

            rows = [.. rows.OrderBy(r => rank.GetValueOrDefault(r.Video.Id, int.MaxValue))];
        }

        var tagsByVideo = tags.ToLookup(t => t.VideoId, t => t.Name);
        var mentionsByVideo = mentions.ToLookup(m => m.VideoId, m => m.Username);
        return rows.Select(r => new VideoView(
            r.Video.Id,
            r.Video.Status.ToString().ToLowerInvariant(),
            r.Video.StatusReason,
            r.Video.Progress,
            r.Video.Caption,
            [.. tagsByVideo[r.Video.Id]],
            [.. mentionsByVideo[r.Video.Id]],
            r.Video.Visibility.ToString().ToLowerInvariant(),
            new VideoAuthor(r.Video.AuthorId, r.Username, r.DisplayName),
            r.Video.DurationMs,
            r.Video.Width,
            r.Video.Height,
            new VideoCounts(r.Video.LikeCount, r.Video.CommentCount, r.Video.BookmarkCount, r.Video.ShareCount),
            new ViewerState(liked.Contains(r.Video.Id), bookmarked.Contains(r.Video.Id)),
            r.Video.CreatedAt,
            r.Video.Status == VideoStatus.Ready ? VideoPlayback.PosterFor(r.Video.Id) : null,
            r.Video.Status == VideoStatus.Ready ? VideoPlayback.For(r.Video.Id) : null)).ToList();
    }
}
