using Microsoft.EntityFrameworkCore;
using Reeltime.Platform.Storage;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Recommendation.Hosting;

/// <summary>Where the engine learns of videos: the seam between the platform's catalogue and the engine's own copy.</summary>
public interface IVideoCatalogFeed
{
    /// <summary>Up to <paramref name="max"/> videos with ids above <paramref name="afterVideoId"/>, in id order.</summary>
    Task<IReadOnlyList<CatalogVideo>> ReadAsync(long afterVideoId, int max, CancellationToken cancellationToken);

    /// <summary>The current state of up to <paramref name="max"/> videos with ids above <paramref name="afterVideoId"/>, in id order: what a resync needs, without captions, authors or hashtags.</summary>
    Task<IReadOnlyList<CatalogVideoState>> ReadStatesAsync(long afterVideoId, int max, CancellationToken cancellationToken);

    /// <summary>The current state of each of <paramref name="videoIds"/> that still exists, and whether its media is still being processed.</summary>
    Task<IReadOnlyList<CatalogVideoProgress>> ReadProgressAsync(IReadOnlyCollection<long> videoIds, CancellationToken cancellationToken);
}

/// <summary>A video's state for the engine, and whether the media pipeline is still working on it (so it may become recommendable soon).</summary>
/// <param name="State">What the engine holds of the video.</param>
/// <param name="AwaitingMedia">Uploaded or being processed: not playable yet.</param>
public readonly record struct CatalogVideoProgress(CatalogVideoState State, bool AwaitingMedia);

/// <summary>
/// Reads the catalogue from the platform's database (outside the feed's hot path: at start, when events
/// name videos the engine does not know, and on a periodic resync that catches deletions and removals).
/// </summary>
public sealed class DatabaseVideoCatalog(PlatformDbContext db) : IVideoCatalogFeed
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<CatalogVideo>> ReadAsync(long afterVideoId, int max, CancellationToken cancellationToken)
    {
        var videos = await db.Videos.AsNoTracking().Where(v => v.Id > afterVideoId).OrderBy(v => v.Id).Take(max)
            .Select(v => new { v.Id, v.AuthorId, v.DurationMs, v.CreatedAt, v.Visibility, v.Status, v.DeletedAt, v.Moderation })
            .ToListAsync(cancellationToken);
        if (videos.Count == 0)
        {
            return [];
        }

        var last = videos[^1].Id;
        var authorIds = videos.Select(v => v.AuthorId).Distinct().ToList();
        var authors = await db.Users.AsNoTracking().Where(u => authorIds.Contains(u.Id))
            .Select(u => new { u.Id, u.Username, u.IsPrivate }).ToDictionaryAsync(u => u.Id, cancellationToken);
        var tags = (await db.VideoHashtags.AsNoTracking().Where(l => l.VideoId > afterVideoId && l.VideoId <= last)
            .Join(db.Hashtags, l => l.HashtagId, h => h.Id, (l, h) => new { l.VideoId, h.Id, h.Name })
            .ToListAsync(cancellationToken))
            .ToLookup(t => t.VideoId, t => new CatalogHashtag(t.Id, t.Name));
        var result = new List<CatalogVideo>(videos.Count);
        foreach (var v in videos)
        {
            authors.TryGetValue(v.AuthorId, out var author);

            // For You recommends ready public videos of public accounts only; followers-only and private videos
            // reach people through the Following feed and profiles, where the graph decides. A video whose
            // media is still being made is known (events may name it) but not recommended: the feed could not
            // show it, and a burst of uploads would otherwise fill the ranked list with videos every page then
            // drops. ReadStatesAsync and ReadProgressAsync apply the same rule in SQL.
            var recommendable = v.DeletedAt == null && v.Moderation == ModerationState.Visible && v.Visibility == VideoVisibility.Public
                && v.Status == VideoStatus.Ready && author is { IsPrivate: false };
            result.Add(new CatalogVideo(v.Id, v.AuthorId, author?.Username ?? "", [.. tags[v.Id].OrderBy(t => t.Id)], v.DurationMs,
                new DateTimeOffset(DateTime.SpecifyKind(v.CreatedAt, DateTimeKind.Utc)).ToUnixTimeMilliseconds(), recommendable));
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CatalogVideoState>> ReadStatesAsync(long afterVideoId, int max, CancellationToken cancellationToken) =>
        await db.Videos.AsNoTracking().Where(v => v.Id > afterVideoId).OrderBy(v => v.Id).Take(max)
            .Select(v => new CatalogVideoState(v.Id, v.DurationMs,
                v.DeletedAt == null && v.Moderation == ModerationState.Visible && v.Visibility == VideoVisibility.Public
                && v.Status == VideoStatus.Ready && db.Users.Any(u => u.Id == v.AuthorId && !u.IsPrivate)))
            .ToListAsync(cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<CatalogVideoProgress>> ReadProgressAsync(IReadOnlyCollection<long> videoIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(videoIds);
        var ids = videoIds.ToList();
        return await db.Videos.AsNoTracking().Where(v => ids.Contains(v.Id))
            .Select(v => new CatalogVideoProgress(
                new CatalogVideoState(v.Id, v.DurationMs,
                    v.DeletedAt == null && v.Moderation == ModerationState.Visible && v.Visibility == VideoVisibility.Public
                    && v.Status == VideoStatus.Ready && db.Users.Any(u => u.Id == v.AuthorId && !u.IsPrivate)),
                v.DeletedAt == null && (v.Status == VideoStatus.Uploaded || v.Status == VideoStatus.Processing)))
            .ToListAsync(cancellationToken);
    }
}
