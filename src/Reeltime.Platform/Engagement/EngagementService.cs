using Microsoft.EntityFrameworkCore;
using Reeltime.Platform.Events;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Platform.Engagement;

/// <summary>What a comment may be.</summary>
public static class CommentRules
{
    public const int MaxLength = 1000;
}

/// <summary>A comment as shown.</summary>
public sealed record CommentView(long Id, long VideoId, long? ParentId, VideoAuthor Author, string Text, int ReplyCount, DateTime CreatedAt);

/// <summary>A page of a list, with the cursor of the next page (null at the end).</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Likes, comments and bookmarks. Every action first checks that the caller may see the video.</summary>
public sealed class EngagementService(PlatformDbContext db, VideoLibrary videos, TimeProvider clock, IEventLog events)
{
    /// <summary>Likes a video. Idempotent: liking twice counts once, also when two requests race.</summary>
    public async Task<Outcome<VideoCounts>> LikeAsync(long userId, long videoId, CancellationToken cancellationToken)
    {
        var author = await videos.FindVisibleAuthorAsync(userId, videoId, cancellationToken);
        if (author is null)
        {
            return Failure.NotFound("The video");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // ON CONFLICT DO NOTHING is understood by SQLite and PostgreSQL alike; the count moves only when a row was added.
        var added = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""INSERT INTO "Likes" ("UserId", "VideoId", "CreatedAt") VALUES ({userId}, {videoId}, {now}) ON CONFLICT DO NOTHING""",
            cancellationToken);
        if (added == 1)
        {
            await db.Videos.Where(v => v.Id == videoId).ExecuteUpdateAsync(v => v.SetProperty(x => x.LikeCount, x => x.LikeCount + 1), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (added == 1)
        {
            await AppendAsync(WatchEventType.Like, userId, videoId, author.Value, cancellationToken);
        }

        return await CountsAsync(videoId, cancellationToken);
    }

    /// <summary>
    /// Counts a share of a video the caller may see (a link copied or handed to the system's share sheet), and
    /// tells the For You engine, which learns from shares. Each share counts: one may send a video to several people.
    /// </summary>
    public async Task<Outcome<VideoCounts>> ShareAsync(long userId, long videoId, CancellationToken cancellationToken)
    {
        var author = await videos.FindVisibleAuthorAsync(userId, videoId, cancellationToken);
        if (author is null)
        {
            return Failure.NotFound("The video");
        }

        await db.Videos.Where(v => v.Id == videoId).ExecuteUpdateAsync(v => v.SetProperty(x => x.ShareCount, x => x.ShareCount + 1), cancellationToken);
        await AppendAsync(WatchEventType.Share, userId, videoId, author.Value, cancellationToken);
        return await CountsAsync(videoId, cancellationToken);
    }

    /// <summary>Takes a like back. Idempotent.</summary>
    public async Task<Outcome<VideoCounts>> UnlikeAsync(long userId, long videoId, CancellationToken cancellationToken)
    {
        var author = await videos.FindVisibleAuthorAsync(userId, videoId, cancellationToken);
        if (author is null)
        {
            return Failure.NotFound("The video");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var removed = await db.Likes.Where(l => l.UserId == userId && l.VideoId == videoId).ExecuteDeleteAsync(cancellationToken);
        if (removed == 1)
        {
            await db.Videos.Where(v => v.Id == videoId).ExecuteUpdateAsync(v => v.SetProperty(x => x.LikeCount, x => x.LikeCount - 1), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (removed == 1)
        {
            await AppendAsync(WatchEventType.Unlike, userId, videoId, author.Value, cancellationToken);
        }

        return await CountsAsync(videoId, cancellationToken);
    }

    public async Task<Outcome<VideoCounts>> BookmarkAsync(long userId, long videoId, bool add, CancellationToken cancellationToken)
    {
        var author = await videos.FindVisibleAuthorAsync(userId, videoId, cancellationToken);
        if (author is null)
        {
            return Failure.NotFound("The video");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = add
            ? await db.Database.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO "Bookmarks" ("UserId", "VideoId", "CreatedAt") VALUES ({userId}, {videoId}, {now}) ON CONFLICT DO NOTHING""",
                cancellationToken)
            : await db.Bookmarks.Where(b => b.UserId == userId && b.VideoId == videoId).ExecuteDeleteAsync(cancellationToken);
        if (changed == 1)
        {
            var delta = add ? 1 : -1;
            await db.Videos.Where(v => v.Id == videoId).ExecuteUpdateAsync(v => v.SetProperty(x => x.BookmarkCount, x => x.BookmarkCount + delta), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (changed == 1 && add)
        {
            await AppendAsync(WatchEventType.Bookmark, userId, videoId, author.Value, cancellationToken);
        }

        return await CountsAsync(videoId, cancellationToken);
    }

    /// <summary>The caller's bookmarks, newest first; only videos the caller may still see.</summary>
    public async Task<Page<VideoView>> ListBookmarksAsync(long userId, Cursor? cursor, int count, CancellationToken cancellationToken)
    {
        var query = db.Bookmarks.Where(b => b.UserId == userId);
        if (cursor is { } c)
        {
            query = query.Where(b => b.CreatedAt < c.Time || (b.CreatedAt == c.Time && b.VideoId < c.Id));
        }

        var marks = await query.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.VideoId).Take(count + 1)
            .Select(b => new { b.VideoId, b.CreatedAt }).ToListAsync(cancellationToken);
        var pageMarks = marks.Take(count).ToList();
        var ids = pageMarks.Select(m => m.VideoId).ToList();
        var items = await VideoViews.LoadAsync(db, userId, db.Videos.Where(v => ids.Contains(v.Id)).VisibleTo(db, userId), cancellationToken, ids);
        var next = marks.Count > count ? new Cursor(pageMarks[^1].CreatedAt, pageMarks[^1].VideoId).Encode() : null;
        return new Page<VideoView>(items, next);
    }

    /// <summary>Adds a comment, or a reply when <paramref name="parentId"/> is given (replies are one level deep).</summary>
    public async Task<Outcome<CommentView>> CommentAsync(long userId, long videoId, string? text, long? parentId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Failure.Invalid("text", "A comment needs some text.");
        }

        // Normalize throws on a lone surrogate: check before normalising.
        if (!CaptionRules.IsWellFormedUtf16(text))
        {
            return Failure.Invalid("text", "The comment contains invalid Unicode.");
        }

        text = text.Trim().Normalize(System.Text.NormalizationForm.FormC);
        if (text.Length > CommentRules.MaxLength)
        {
            return Failure.Invalid("text", $"A comment has at most {CommentRules.MaxLength} characters.");
        }

        if (CaptionRules.HasControlCharacters(text, multiline: true))
        {
            return Failure.Invalid("text", "The comment contains control characters.");
        }

        var author = await videos.FindVisibleAuthorAsync(userId, videoId, cancellationToken);
        if (author is null)
        {
            return Failure.NotFound("The video");
        }

        if (parentId is { } pid)
        {
            var parent = await db.Comments.AsNoTracking().Where(c => c.Id == pid && c.VideoId == videoId && c.DeletedAt == null)
                .Select(c => new { c.ParentId }).SingleOrDefaultAsync(cancellationToken);
            if (parent is null)
            {
                return Failure.Invalid("parentId", "The comment you are replying to does not exist on this video.");
            }

            if (parent.ParentId is not null)
            {
                return Failure.Invalid("parentId", "Replies go one level deep: reply to the first comment of the thread.");
            }
        }

        var comment = new CommentRecord { VideoId = videoId, AuthorId = userId, ParentId = parentId, Text = text, CreatedAt = clock.GetUtcNow().UtcDateTime };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Comments.Add(comment);
        await db.SaveChangesAsync(cancellationToken);
        await db.Videos.Where(v => v.Id == videoId).ExecuteUpdateAsync(v => v.SetProperty(x => x.CommentCount, x => x.CommentCount + 1), cancellationToken);
        if (parentId is { } p)
        {
            await db.Comments.Where(c => c.Id == p).ExecuteUpdateAsync(c => c.SetProperty(x => x.ReplyCount, x => x.ReplyCount + 1), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        await AppendAsync(WatchEventType.Comment, userId, videoId, author.Value, cancellationToken);
        var username = await db.Users.Where(u => u.Id == userId).Select(u => new { u.Username, u.DisplayName }).SingleAsync(cancellationToken);
        return new CommentView(comment.Id, videoId, parentId, new VideoAuthor(userId, username.Username, username.DisplayName), text, 0, comment.CreatedAt);
    }

    /// <summary>
    /// Top-level comments of a video (or the replies to <paramref name="parentId"/>), oldest first,
    /// without those of users blocked either way.
    /// </summary>
    public async Task<Outcome<Page<CommentView>>> ListCommentsAsync(long viewerId, long videoId, long? parentId, Cursor? cursor, int count, CancellationToken cancellationToken)
    {
        if (await videos.FindVisibleAuthorAsync(viewerId, videoId, cancellationToken) is null)
        {
            return Failure.NotFound("The video");
        }

        var query = db.Comments.AsNoTracking().Where(c => c.VideoId == videoId && c.ParentId == parentId && c.DeletedAt == null)
            .Where(c => !db.Blocks.Any(b => (b.BlockerId == c.AuthorId && b.BlockedId == viewerId) || (b.BlockerId == viewerId && b.BlockedId == c.AuthorId)));
        if (cursor is { } k)
        {
            query = query.Where(c => c.CreatedAt > k.Time || (c.CreatedAt == k.Time && c.Id > k.Id));
        }

        var rows = await query.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Take(count + 1)
            .Join(db.Users, c => c.AuthorId, u => u.Id, (c, u) => new CommentView(c.Id, c.VideoId, c.ParentId, new VideoAuthor(u.Id, u.Username, u.DisplayName), c.Text, c.ReplyCount, c.CreatedAt))
            .ToListAsync(cancellationToken);
        rows = [.. rows.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)];
        var page = rows.Take(count).ToList();
        var next = rows.Count > count ? new Cursor(page[^1].CreatedAt, page[^1].Id).Encode() : null;
        return new Page<CommentView>(page, next);
    }

    /// <summary>Deletes a comment: its author or the video's author may. Replies to it go with it.</summary>
    public async Task<Outcome<Done>> DeleteCommentAsync(long userId, long commentId, CancellationToken cancellationToken)
    {
        var comment = await db.Comments.AsNoTracking().Where(c => c.Id == commentId && c.DeletedAt == null)
            .Select(c => new { c.AuthorId, c.VideoId, c.ParentId }).SingleOrDefaultAsync(cancellationToken);
        var videoAuthor = comment is null ? null : await videos.FindVisibleAuthorAsync(userId, comment.VideoId, cancellationToken);
        if (comment is null || videoAuthor is null)
        {
            return Failure.NotFound("The comment");
        }

        if (comment.AuthorId != userId && videoAuthor != userId)
        {
            return new Failure(FailureKind.Forbidden, "Only the comment's author or the video's author can delete it.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var removed = await db.Comments.Where(c => (c.Id == commentId || c.ParentId == commentId) && c.DeletedAt == null)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.DeletedAt, now), cancellationToken);
        await db.Videos.Where(v => v.Id == comment.VideoId).ExecuteUpdateAsync(v => v.SetProperty(x => x.CommentCount, x => x.CommentCount - removed), cancellationToken);
        if (comment.ParentId is { } parent)
        {
            await db.Comments.Where(c => c.Id == parent).ExecuteUpdateAsync(c => c.SetProperty(x => x.ReplyCount, x => x.ReplyCount - 1), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Done.Value;
    }

    private async Task<Outcome<VideoCounts>> CountsAsync(long videoId, CancellationToken cancellationToken) =>
        await db.Videos.AsNoTracking().Where(v => v.Id == videoId)
            .Select(v => new VideoCounts(v.LikeCount, v.CommentCount, v.BookmarkCount, v.ShareCount)).SingleAsync(cancellationToken);

    private async Task AppendAsync(WatchEventType type, long userId, long videoId, long creatorId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        WatchEvent[] batch = [new(type, userId, videoId, creatorId, 0, 0, 0, now, now, FeedSurface.Unknown)];
        await events.AppendAsync(batch, cancellationToken);
    }
}
