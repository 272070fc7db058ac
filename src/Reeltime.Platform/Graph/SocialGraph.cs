using Microsoft.EntityFrameworkCore;
using Reeltime.Platform.Engagement;
using Reeltime.Platform.Events;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Platform.Graph;

/// <summary>A profile as the caller may see it.</summary>
public sealed record Profile(
    long Id,
    string Username,
    string? DisplayName,
    string? Bio,
    bool IsPrivate,
    int FollowerCount,
    int FollowingCount,
    int VideoCount,
    string Relationship,
    bool IsBlockedByMe,
    DateTime CreatedAt);

/// <summary>What happened to a follow.</summary>
public enum FollowResult
{
    /// <summary>The caller now follows the account.</summary>
    Following,
    /// <summary>The account is private: a request waits for its approval.</summary>
    Requested,
}

/// <summary>A pending follow request to the caller.</summary>
public sealed record FollowRequest(long UserId, string Username, DateTime RequestedAt);

/// <summary>An account the caller has blocked, for the list they lift blocks from.</summary>
public sealed record BlockedAccount(long UserId, string Username, string? DisplayName, DateTime BlockedAt);

/// <summary>Follows and blocks. Counts are kept on the user rows and updated in the same transaction.</summary>
public sealed class SocialGraph(PlatformDbContext db, TimeProvider clock, IEventLog events)
{
    /// <summary>
    /// The profile of <paramref name="username"/> as seen by <paramref name="viewerId"/>; not found when the user
    /// has blocked the viewer (the blocker's profile does not exist for the blocked). Whom the viewer blocked
    /// shows only as that, with name and no more (<see cref="Profile.IsBlockedByMe"/>), whether or not they blocked
    /// back, so the block can be lifted from where it was made.
    /// </summary>
    public async Task<Outcome<Profile>> GetProfileAsync(long viewerId, string username, CancellationToken cancellationToken)
    {
        var user = await FindVisibleUserAsync(viewerId, username, cancellationToken);
        if (user is null)
        {
            var blocked = viewerId == 0 ? null : await FindUserAsync(username, cancellationToken);
            // Also when both blocked each other: the page says only what the viewer did, never what the other did.
            if (blocked is not null && await db.Blocks.AnyAsync(b => b.BlockerId == viewerId && b.BlockedId == blocked.Id, cancellationToken))
            {
                return new Profile(blocked.Id, blocked.Username, blocked.DisplayName, null, blocked.IsPrivate, 0, 0, 0, "blocked", true, blocked.CreatedAt);
            }

            return Failure.NotFound("The user");
        }

        var relationship = "none";
        if (user.Id == viewerId)
        {
            relationship = "self";
        }
        else if (viewerId != 0)
        {
            var state = await db.Follows.Where(f => f.FollowerId == viewerId && f.FolloweeId == user.Id).Select(f => (FollowState?)f.State).SingleOrDefaultAsync(cancellationToken);
            relationship = state switch { FollowState.Accepted => "following", FollowState.Pending => "requested", _ => "none" };
        }

        // Counted under the visibility rules, not read from the stored total: that total includes private,
        // followers-only and unfinished videos, and a stranger must not learn that they exist. The count is
        // what the viewer's list of this user's videos holds.
        // A failed upload is on its owner's list (to say why and be deleted), but it was never a video.
        var videoCount = await db.Videos.Where(v => v.AuthorId == user.Id && v.Status != VideoStatus.Failed).VisibleTo(db, viewerId).CountAsync(cancellationToken);
        return new Profile(user.Id, user.Username, user.DisplayName, user.Bio, user.IsPrivate, user.FollowerCount, user.FollowingCount, videoCount, relationship, false, user.CreatedAt);
    }

    public async Task<Outcome<FollowResult>> FollowAsync(long followerId, string username, CancellationToken cancellationToken)
    {
        var target = await FindVisibleUserAsync(followerId, username, cancellationToken);
        if (target is null)
        {
            return Failure.NotFound("The user");
        }

        if (target.Id == followerId)
        {
            return Failure.Invalid("username", "You cannot follow yourself.");
        }

        var existing = await db.Follows.SingleOrDefaultAsync(f => f.FollowerId == followerId && f.FolloweeId == target.Id, cancellationToken);
        if (existing is not null)
        {
            return existing.State == FollowState.Accepted ? FollowResult.Following : FollowResult.Requested;
        }

        var state = target.IsPrivate ? FollowState.Pending : FollowState.Accepted;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var inserted = await InsertFollowAsync(followerId, target.Id, state, cancellationToken);
        if (inserted && state == FollowState.Accepted)
        {
            await AdjustFollowCountsAsync(followerId, target.Id, +1, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (inserted && state == FollowState.Accepted)
        {
            await AppendFollowEventAsync(followerId, target.Id, cancellationToken);
        }

        return state == FollowState.Accepted ? FollowResult.Following : FollowResult.Requested;
    }

    /// <summary>Stops following, or withdraws a pending request. Idempotent.</summary>
    public async Task<Outcome<Done>> UnfollowAsync(long followerId, string username, CancellationToken cancellationToken)
    {
        var target = await FindUserAsync(username, cancellationToken);
        if (target is null)
        {
            return Failure.NotFound("The user");
        }

        if (await RemoveFollowAsync(followerId, target.Id, cancellationToken))
        {
            await AppendGraphEventAsync(WatchEventType.Unfollow, followerId, target.Id, cancellationToken);
        }

        return Done.Value;
    }

    /// <summary>The ids of the accounts <paramref name="userId"/> follows (accepted follows only).</summary>
    public async Task<IReadOnlyList<long>> FollowedIdsAsync(long userId, CancellationToken cancellationToken) =>
        await db.Follows.Where(f => f.FollowerId == userId && f.State == FollowState.Accepted).Select(f => f.FolloweeId).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<FollowRequest>> ListFollowRequestsAsync(long userId, CancellationToken cancellationToken) =>
        await db.Follows.AsNoTracking()
            .Where(f => f.FolloweeId == userId && f.State == FollowState.Pending)
            .OrderBy(f => f.CreatedAt)
            .Take(500)
            .Join(db.Users, f => f.FollowerId, u => u.Id, (f, u) => new FollowRequest(u.Id, u.Username, f.CreatedAt))
            .ToListAsync(cancellationToken);

    /// <summary>Approves (or with <paramref name="approve"/> false, declines) a request to follow the caller.</summary>
    public async Task<Outcome<Done>> AnswerFollowRequestAsync(long userId, string requester, bool approve, CancellationToken cancellationToken)
    {
        var from = await FindUserAsync(requester, cancellationToken);
        if (from is null)
        {
            return Failure.NotFound("The follow request");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = approve
            ? await db.Follows.Where(f => f.FollowerId == from.Id && f.FolloweeId == userId && f.State == FollowState.Pending)
                .ExecuteUpdateAsync(f => f.SetProperty(x => x.State, FollowState.Accepted), cancellationToken)
            : await db.Follows.Where(f => f.FollowerId == from.Id && f.FolloweeId == userId && f.State == FollowState.Pending)
                .ExecuteDeleteAsync(cancellationToken);
        if (changed == 0)
        {
            return Failure.NotFound("The follow request");
        }

        if (approve)
        {
            await AdjustFollowCountsAsync(from.Id, userId, +1, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return Done.Value;
    }

    /// <summary>
    /// Blocks a user: removes follows both ways, and the user's likes, bookmarks and comments on the blocker's
    /// videos; from now on neither sees the other. Idempotent.
    /// </summary>
    public async Task<Outcome<Done>> BlockAsync(long blockerId, string username, CancellationToken cancellationToken)
    {
        var target = await FindUserAsync(username, cancellationToken);
        if (target is null)
        {
            return Failure.NotFound("The user");
        }

        if (target.Id == blockerId)
        {
            return Failure.Invalid("username", "You cannot block yourself.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""INSERT INTO "Blocks" ("BlockerId", "BlockedId", "CreatedAt") VALUES ({blockerId}, {target.Id}, {now}) ON CONFLICT DO NOTHING""",
            cancellationToken);
        var blockerFollowed = await RemoveFollowAsync(blockerId, target.Id, cancellationToken);
        var targetFollowed = await RemoveFollowAsync(target.Id, blockerId, cancellationToken);
        await RemoveEngagementAsync(target.Id, blockerId, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (blockerFollowed)
        {
            await AppendGraphEventAsync(WatchEventType.Unfollow, blockerId, target.Id, cancellationToken);
        }

        if (targetFollowed)
        {
            await AppendGraphEventAsync(WatchEventType.Unfollow, target.Id, blockerId, cancellationToken);
        }

        return Done.Value;
    }

    /// <summary>
    /// What the blocked person left on the blocker's videos goes with the block, as on the platforms people know:
    /// their likes, bookmarks and comments (with the replies under those comments). The blocker no longer sees any
    /// of it, so counts that still held it would count what is not there. Counts are then recounted from what remains.
    /// </summary>
    private async Task RemoveEngagementAsync(long blockedId, long blockerId, DateTime now, CancellationToken cancellationToken)
    {
        var blockersVideos = db.Videos.Where(v => v.AuthorId == blockerId).Select(v => v.Id);
        var liked = await db.Likes.Where(l => l.UserId == blockedId && blockersVideos.Contains(l.VideoId)).Select(l => l.VideoId)
            .Union(db.Bookmarks.Where(b => b.UserId == blockedId && blockersVideos.Contains(b.VideoId)).Select(b => b.VideoId))
            .ToListAsync(cancellationToken);
        if (liked.Count > 0)
        {
            await db.Likes.Where(l => l.UserId == blockedId && liked.Contains(l.VideoId)).ExecuteDeleteAsync(cancellationToken);
            await db.Bookmarks.Where(b => b.UserId == blockedId && liked.Contains(b.VideoId)).ExecuteDeleteAsync(cancellationToken);
            await db.Videos.Where(v => liked.Contains(v.Id)).ExecuteUpdateAsync(
                v => v.SetProperty(x => x.LikeCount, x => db.Likes.Count(l => l.VideoId == x.Id))
                      .SetProperty(x => x.BookmarkCount, x => db.Bookmarks.Count(b => b.VideoId == x.Id)),
                cancellationToken);
        }

        var theirs = db.Comments.Where(c => c.AuthorId == blockedId && c.DeletedAt == null && blockersVideos.Contains(c.VideoId));
        var commented = await theirs.Select(c => c.VideoId).Distinct().ToListAsync(cancellationToken);
        if (commented.Count == 0)
        {
            return;
        }

        var threads = await theirs.Where(c => c.ParentId == null).Select(c => c.Id).ToListAsync(cancellationToken);
        var answered = await theirs.Where(c => c.ParentId != null).Select(c => c.ParentId!.Value).Distinct().ToListAsync(cancellationToken);
        await db.Comments.Where(c => c.DeletedAt == null && commented.Contains(c.VideoId)
                && ((c.AuthorId == blockedId) || (c.ParentId != null && threads.Contains(c.ParentId.Value))))
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.DeletedAt, now), cancellationToken);
        await db.Videos.Where(v => commented.Contains(v.Id)).ExecuteUpdateAsync(
            v => v.SetProperty(x => x.CommentCount, x => db.Comments.Count(c => c.VideoId == x.Id && c.DeletedAt == null)), cancellationToken);
        await db.Comments.Where(c => answered.Contains(c.Id)).ExecuteUpdateAsync(
            c => c.SetProperty(x => x.ReplyCount, x => db.Comments.Count(r => r.ParentId == x.Id && r.DeletedAt == null)), cancellationToken);
    }

    public async Task<Outcome<Done>> UnblockAsync(long blockerId, string username, CancellationToken cancellationToken)
    {
        var target = await FindUserAsync(username, cancellationToken);
        if (target is null)
        {
            return Failure.NotFound("The user");
        }

        await db.Blocks.Where(b => b.BlockerId == blockerId && b.BlockedId == target.Id).ExecuteDeleteAsync(cancellationToken);
        return Done.Value;
    }

    /// <summary>The accounts <paramref name="userId"/> has blocked, most recently blocked first.</summary>
    public async Task<Page<BlockedAccount>> ListBlockedAsync(long userId, Cursor? cursor, int count, CancellationToken cancellationToken)
    {
        var blocks = db.Blocks.AsNoTracking().Where(b => b.BlockerId == userId);
        if (cursor is { } c)
        {
            blocks = blocks.Where(b => b.CreatedAt < c.Time || (b.CreatedAt == c.Time && b.BlockedId < c.Id));
        }

        var rows = await blocks
            .Join(db.Users, b => b.BlockedId, u => u.Id, (b, u) => new { u.Id, u.Username, u.DisplayName, b.CreatedAt })
            .OrderByDescending(x => x.CreatedAt).ThenByDescending(x => x.Id)
            .Take(count + 1)
            .ToListAsync(cancellationToken);
        var items = rows.Take(count).Select(x => new BlockedAccount(x.Id, x.Username, x.DisplayName, x.CreatedAt)).ToList();
        var next = rows.Count > count ? new Cursor(rows[count - 1].CreatedAt, rows[count - 1].Id).Encode() : null;
        return new Page<BlockedAccount>(items, next);
    }

    /// <summary>True when either user has blocked the other.</summary>
    public Task<bool> IsBlockedEitherWayAsync(long a, long b, CancellationToken cancellationToken) =>
        db.Blocks.AnyAsync(x => (x.BlockerId == a && x.BlockedId == b) || (x.BlockerId == b && x.BlockedId == a), cancellationToken);

    private Task<UserRecord?> FindUserAsync(string username, CancellationToken cancellationToken)
    {
        if (username.Length > Accounts.UsernameRules.MaxLength)
        {
            return Task.FromResult<UserRecord?>(null);
        }

        var normalized = Accounts.UsernameRules.Normalize(username);
        return db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedUsername == normalized, cancellationToken);
    }

    private Task<UserRecord?> FindVisibleUserAsync(long viewerId, string username, CancellationToken cancellationToken)
    {
        if (username.Length > Accounts.UsernameRules.MaxLength)
        {
            return Task.FromResult<UserRecord?>(null);
        }

        var normalized = Accounts.UsernameRules.Normalize(username);
        return db.Users.AsNoTracking().Where(u => u.NormalizedUsername == normalized).NotBlockedWith(db, viewerId).SingleOrDefaultAsync(cancellationToken);
    }

    private async Task<bool> InsertFollowAsync(long followerId, long followeeId, FollowState state, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rows = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""INSERT INTO "Follows" ("FollowerId", "FolloweeId", "State", "CreatedAt") VALUES ({followerId}, {followeeId}, {(int)state}, {now}) ON CONFLICT DO NOTHING""",
            cancellationToken);
        return rows == 1;
    }

    /// <returns>Whether an accepted follow was removed (a withdrawn request is not one).</returns>
    private async Task<bool> RemoveFollowAsync(long followerId, long followeeId, CancellationToken cancellationToken)
    {
        var owned = db.Database.CurrentTransaction is null;
        await using var transaction = owned ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        var wasAccepted = await db.Follows.AnyAsync(f => f.FollowerId == followerId && f.FolloweeId == followeeId && f.State == FollowState.Accepted, cancellationToken);
        var removed = await db.Follows.Where(f => f.FollowerId == followerId && f.FolloweeId == followeeId).ExecuteDeleteAsync(cancellationToken);
        if (removed > 0 && wasAccepted)
        {
            await AdjustFollowCountsAsync(followerId, followeeId, -1, cancellationToken);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return removed > 0 && wasAccepted;
    }

    private async Task AdjustFollowCountsAsync(long followerId, long followeeId, int delta, CancellationToken cancellationToken)
    {
        await db.Users.Where(u => u.Id == followerId).ExecuteUpdateAsync(u => u.SetProperty(x => x.FollowingCount, x => x.FollowingCount + delta), cancellationToken);
        await db.Users.Where(u => u.Id == followeeId).ExecuteUpdateAsync(u => u.SetProperty(x => x.FollowerCount, x => x.FollowerCount + delta), cancellationToken);
    }

    private Task AppendFollowEventAsync(long followerId, long followeeId, CancellationToken cancellationToken) =>
        AppendGraphEventAsync(WatchEventType.Follow, followerId, followeeId, cancellationToken);

    private async Task AppendGraphEventAsync(WatchEventType type, long followerId, long followeeId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        WatchEvent[] change = [new(type, followerId, 0, followeeId, 0, 0, 0, now, now, FeedSurface.Unknown)];
        await events.AppendAsync(change, cancellationToken);
    }
}
