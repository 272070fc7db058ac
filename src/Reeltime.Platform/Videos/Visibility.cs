using Reeltime.Platform.Storage;

namespace Reeltime.Platform.Videos;

/// <summary>
/// Who may see what, written once as query filters so that every list and every lookup applies the same
/// rule inside the database query: a video the caller may not see is simply not found.
/// </summary>
public static class Visibility
{
    /// <summary>
    /// Videos <paramref name="viewerId"/> may watch (0 = a visitor): not deleted or removed, ready, no block
    /// either way, and either the viewer's own, or public from a public account, or from an account the
    /// viewer follows (accepted) unless the video is private.
    /// </summary>
    public static IQueryable<VideoRecord> VisibleTo(this IQueryable<VideoRecord> videos, PlatformDbContext db, long viewerId) =>
        videos.Where(v => v.DeletedAt == null && v.Moderation == ModerationState.Visible)
            .Where(v => v.AuthorId == viewerId || (v.Status == VideoStatus.Ready && (
                (v.Visibility == VideoVisibility.Public && !db.Users.Any(u => u.Id == v.AuthorId && u.IsPrivate)) ||
                (v.Visibility != VideoVisibility.Private && db.Follows.Any(f => f.FollowerId == viewerId && f.FolloweeId == v.AuthorId && f.State == FollowState.Accepted)))))
            .Where(v => !db.Blocks.Any(b => (b.BlockerId == v.AuthorId && b.BlockedId == viewerId) || (b.BlockerId == viewerId && b.BlockedId == v.AuthorId)));

    /// <summary>Users who have not blocked <paramref name="viewerId"/> and whom the viewer has not blocked.</summary>
    public static IQueryable<UserRecord> NotBlockedWith(this IQueryable<UserRecord> users, PlatformDbContext db, long viewerId) =>
        users.Where(u => !db.Blocks.Any(b => (b.BlockerId == u.Id && b.BlockedId == viewerId) || (b.BlockerId == viewerId && b.BlockedId == u.Id)));
}
