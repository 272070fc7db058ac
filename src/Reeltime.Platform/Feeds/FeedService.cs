using Microsoft.EntityFrameworkCore;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Platform.Feeds;

/// <summary>A trending hashtag.</summary>
public sealed record TrendingHashtag(string Name, int RecentVideos, int TotalVideos);

/// <summary>The chronological lists: Following, a profile's videos, a hashtag's videos, recent and trending.</summary>
public sealed class FeedService(PlatformDbContext db, TimeProvider clock)
{
    /// <summary>Videos of the accounts the viewer follows (accepted), newest first.</summary>
    public Task<Page<VideoView>> FollowingAsync(long viewerId, Cursor? cursor, int count, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            return FollowingByAuthorAsync(viewerId, cursor, count, cancellationToken);
        }

        var followed = db.Follows.Where(f => f.FollowerId == viewerId && f.State == FollowState.Accepted).Select(f => f.FolloweeId);
        return PageAsync(viewerId, db.Videos.Where(v => followed.Contains(v.AuthorId)), cursor, count, cancellationToken);
    }

    // On PostgreSQL the general visibility filter lets the planner pick a walk down all videos by time, or
    // the followees' videos with privacy and follow probes for each (p99 from 60 to over 400 ms at 10k
    // users and 100k videos, depending on the statistics of the day). Here every author is an accepted
    // followee, so the rule reduces to "ready, not private, not deleted or removed, no block either way",
    // and each followee's newest count + 1 come straight off the (author, created) index in a LATERAL join
    // before the merge. EF Core turns the LINQ form of this into ROW_NUMBER over the whole table, so the SQL
    // is written out; SQLite has no LATERAL join, and its plan for the general filter is fast already.
    private async Task<Page<VideoView>> FollowingByAuthorAsync(long viewerId, Cursor? cursor, int count, CancellationToken cancellationToken)
    {
        var before = cursor?.Time ?? NoCursorTime;
        var beforeId = cursor?.Id ?? long.MaxValue;
        var take = count + 1;
        var keys = await db.Database.SqlQuery<FeedKey>($"""
            SELECT v."Id", v."CreatedAt"
            FROM "Follows" AS f
            CROSS JOIN LATERAL (
                SELECT w."Id", w."CreatedAt"
                FROM "Videos" AS w
                WHERE w."AuthorId" = f."FolloweeId" AND w."DeletedAt" IS NULL AND w."Moderation" = {(int)ModerationState.Visible}
                  AND w."Status" = {(int)VideoStatus.Ready} AND w."Visibility" <> {(int)VideoVisibility.Private}
                  AND (w."CreatedAt", w."Id") < ({before}, {beforeId})
                ORDER BY w."CreatedAt" DESC, w."Id" DESC
                LIMIT {take}) AS v
            WHERE f."FollowerId" = {viewerId} AND f."State" = {(int)FollowState.Accepted}
              AND NOT EXISTS (
                SELECT 1 FROM "Blocks" AS b
                WHERE (b."BlockerId" = f."FolloweeId" AND b."BlockedId" = {viewerId}) OR (b."BlockerId" = {viewerId} AND b."BlockedId" = f."FolloweeId"))
            ORDER BY v."CreatedAt" DESC, v."Id" DESC
            LIMIT {take}
            """).ToListAsync(cancellationToken);
        return await PageOfAsync(viewerId, keys.ConvertAll(k => (k.Id, k.CreatedAt)), count, cancellationToken);
    }

    // Later than any upload: the first page has no cursor.
    private static readonly DateTime NoCursorTime = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A user's videos visible to the viewer, newest first; not found if the user is hidden from the viewer.</summary>
    public async Task<Outcome<Page<VideoView>>> UserVideosAsync(long viewerId, string username, Cursor? cursor, int count, CancellationToken cancellationToken)
    {
        var normalized = username.Length > Accounts.UsernameRules.MaxLength ? string.Empty : Accounts.UsernameRules.Normalize(username);
        var userId = await db.Users.Where(u => u.NormalizedUsername == normalized).NotBlockedWith(db, viewerId).Select(u => (long?)u.Id).SingleOrDefaultAsync(cancellationToken);
        if (userId is null)
        {
            return Failure.NotFound("The user");
        }

        return await PageAsync(viewerId, db.Videos.Where(v => v.AuthorId == userId), cursor, count, cancellationToken);
    }

    /// <summary>A hashtag's videos visible to the viewer, newest first.</summary>
    public async Task<Outcome<Page<VideoView>>> HashtagVideosAsync(long viewerId, string tag, Cursor? cursor, int count, CancellationToken cancellationToken)
    {
        var name = CaptionRules.NormalizeHashtag(tag);
        if (name is null)
        {
            return Failure.Invalid("tag", "This is not a hashtag: use letters, digits and '_'.");
        }

        var tagId = await db.Hashtags.Where(h => h.Name == name).Select(h => (long?)h.Id).SingleOrDefaultAsync(cancellationToken);
        if (tagId is null)
        {
            return new Page<VideoView>([], null);
        }

        var tagged = db.VideoHashtags.Where(l => l.HashtagId == tagId).Select(l => l.VideoId);
        return await PageAsync(viewerId, db.Videos.Where(v => tagged.Contains(v.Id)), cursor, count, cancellationToken);
    }

    /// <summary>Recent public videos, newest first: the For You feed until the engine ranks it, and its fallback.</summary>
    public Task<Page<VideoView>> RecentAsync(long viewerId, Cursor? cursor, int count, CancellationToken cancellationToken) =>
        PageAsync(viewerId, db.Videos.Where(v => v.Visibility == VideoVisibility.Public), cursor, count, cancellationToken);

    /// <summary>The most engaged-with videos of the last <paramref name="window"/>, visible to the viewer.</summary>
    public async Task<IReadOnlyList<VideoView>> TrendingVideosAsync(long viewerId, TimeSpan window, int count, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow().UtcDateTime - window;
        var ids = await db.Videos.Where(v => v.CreatedAt >= since && v.Visibility == VideoVisibility.Public).VisibleTo(db, viewerId)
            .OrderByDescending(v => v.LikeCount + (2 * v.CommentCount) + (3 * v.ShareCount) + v.BookmarkCount).ThenByDescending(v => v.Id)
            .Select(v => v.Id).Take(count).ToListAsync(cancellationToken);
        return await VideoViews.LoadAsync(db, viewerId, db.Videos.Where(v => ids.Contains(v.Id)), cancellationToken, ids);
    }

    /// <summary>Hashtags with the most new videos in the last <paramref name="window"/>, counting only videos any visitor may watch.</summary>
    public async Task<IReadOnlyList<TrendingHashtag>> TrendingHashtagsAsync(TimeSpan window, int count, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow().UtcDateTime - window;

        // Both counts follow the visitor's visibility rules: the stored totals include private videos.
        var publicLinks = db.VideoHashtags.Join(db.Videos.VisibleTo(db, 0), l => l.VideoId, v => v.Id, (l, v) => new { l.HashtagId, v.CreatedAt });
        var recent = await publicLinks.Where(l => l.CreatedAt >= since)
            .GroupBy(l => l.HashtagId)
            .Select(g => new { HashtagId = g.Key, Recent = g.Count() })
            .OrderByDescending(g => g.Recent).ThenBy(g => g.HashtagId).Take(count)
            .ToListAsync(cancellationToken);
        var ids = recent.Select(r => r.HashtagId).ToList();
        var totals = await publicLinks.Where(l => ids.Contains(l.HashtagId))
            .GroupBy(l => l.HashtagId)
            .Select(g => new { HashtagId = g.Key, Total = g.Count() })
            .ToDictionaryAsync(g => g.HashtagId, g => g.Total, cancellationToken);
        var names = await db.Hashtags.Where(h => ids.Contains(h.Id)).ToDictionaryAsync(h => h.Id, h => h.Name, cancellationToken);
        return [.. recent.Select(r => new TrendingHashtag(names[r.HashtagId], r.Recent, totals.GetValueOrDefault(r.HashtagId, r.Recent)))];
    }

    private async Task<Page<VideoView>> PageAsync(long viewerId, IQueryable<VideoRecord> videos, Cursor? cursor, int count, CancellationToken cancellationToken)
    {
        var query = videos.VisibleTo(db, viewerId);
        if (cursor is { } c)
        {
            query = query.Where(v => v.CreatedAt < c.Time || (v.CreatedAt == c.Time && v.Id < c.Id));
        }

        var ids = await query.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id).Take(count + 1)
            .Select(v => new { v.Id, v.CreatedAt }).ToListAsync(cancellationToken);
        return await PageOfAsync(viewerId, ids.ConvertAll(x => (x.Id, x.CreatedAt)), count, cancellationToken);
    }

    // ids: up to count + 1 (id, created) pairs, newest first; the extra one says there is a next page.
    private async Task<Page<VideoView>> PageOfAsync(long viewerId, List<(long Id, DateTime CreatedAt)> ids, int count, CancellationToken cancellationToken)
    {
        var pageIds = ids.Take(count).Select(x => x.Id).ToList();
        var items = await VideoViews.LoadAsync(db, viewerId, db.Videos.Where(v => pageIds.Contains(v.Id)), cancellationToken, pageIds);
        var next = ids.Count > count ? new Cursor(ids[count - 1].CreatedAt, ids[count - 1].Id).Encode() : null;
        return new Page<VideoView>(items, next);
    }
}

/// <summary>A row of the Following feed's key query: a video and its upload time, the cursor's two parts.</summary>
internal sealed class FeedKey
{
    public long Id { get; init; }

    public DateTime CreatedAt { get; init; }
}
