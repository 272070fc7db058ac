using Microsoft.EntityFrameworkCore;
using Reeltime.Platform.Storage;

namespace Reeltime.Media.Jobs;

/// <summary>A job a worker holds.</summary>
/// <param name="Id">The job.</param>
/// <param name="VideoId">The video it makes renditions of.</param>
/// <param name="Attempt">Which attempt this is (1 for the first).</param>
public sealed record ClaimedJob(long Id, long VideoId, int Attempt);

/// <summary>
/// The durable job queue: rows in the platform database, claimed with leases. A claim is a conditional
/// update that only one worker can win (on SQLite and on PostgreSQL alike); a running job whose lease
/// lapsed (its worker crashed or hung) is claimable again, so every job is eventually finished or failed.
/// </summary>
public sealed class MediaJobQueue(PlatformDbContext db, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Queues the transcoding of a video, to start no earlier than <paramref name="notBefore"/>.</summary>
    public async Task<long> EnqueueAsync(long videoId, DateTime notBefore, CancellationToken cancellationToken)
    {
        var job = new MediaJobRecord { VideoId = videoId, State = MediaJobState.Queued, NotBefore = notBefore, CreatedAt = Now, UpdatedAt = Now };
        db.MediaJobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(job).State = EntityState.Detached;
        return job.Id;
    }

    /// <summary>Makes a queued job of a video claimable at once (its upload has arrived).</summary>
    public Task ReleaseAsync(long videoId, CancellationToken cancellationToken) =>
        db.MediaJobs.Where(j => j.VideoId == videoId && j.State == MediaJobState.Queued)
            .ExecuteUpdateAsync(j => j.SetProperty(x => x.NotBefore, Now).SetProperty(x => x.UpdatedAt, Now), cancellationToken);

    /// <summary>
    /// Claims a due job, or returns null when none is due. The job chosen is the longest-waiting one of the
    /// uploader with the fewest videos in the works (waiting or being transcoded), so someone posting one
    /// video is not stuck behind an account that posted a hundred (or the demo seeding two hundred): the
    /// heavy uploader's videos are made whenever no lighter uploader waits, and two heavy uploaders take
    /// turns as their backlogs even out. Nothing is remembered between claims, so any number of workers on
    /// any number of nodes share the rule.
    /// </summary>
    public async Task<ClaimedJob?> ClaimAsync(string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now;
        var busy = await db.MediaJobs.AsNoTracking()
            .Where(j => j.State == MediaJobState.Running && j.LeaseExpiresAt >= now)
            .Join(db.Videos, j => j.VideoId, v => v.Id, (j, v) => v.AuthorId)
            .GroupBy(author => author)
            .Select(g => new { Author = g.Key, Running = g.Count() })
            .ToDictionaryAsync(x => x.Author, x => x.Running, cancellationToken);
        var heads = await db.MediaJobs.AsNoTracking()
            .Where(j => (j.State == MediaJobState.Queued && j.NotBefore <= now) || (j.State == MediaJobState.Running && j.LeaseExpiresAt < now))
            .Join(db.Videos, j => j.VideoId, v => v.Id, (j, v) => new { j.Id, j.NotBefore, v.AuthorId })
            .GroupBy(x => x.AuthorId)
            .Select(g => new { Author = g.Key, Waiting = g.Count(), Since = g.Min(x => x.NotBefore), First = g.Min(x => x.Id) })
            .ToListAsync(cancellationToken);
        var chosen = heads
            .OrderBy(h => h.Waiting + busy.GetValueOrDefault(h.Author))
            .ThenBy(h => h.Since).ThenBy(h => h.First)
            .Take(5)
            .Select(h => h.First)
            .ToList();
        var found = await db.MediaJobs.AsNoTracking()
            .Where(j => chosen.Contains(j.Id))
            .Select(j => new { j.Id, j.VideoId, j.State, j.Attempts })
            .ToDictionaryAsync(j => j.Id, cancellationToken);
        var candidates = chosen.Where(found.ContainsKey).Select(id => found[id]);
        foreach (var c in candidates)
        {
            // The update re-checks what the read saw: if another worker claimed the job in between, the
            // attempt count or the state differs and no row changes.
            var claimed = await db.MediaJobs
                .Where(j => j.Id == c.Id && j.State == c.State && j.Attempts == c.Attempts
                    && ((j.State == MediaJobState.Queued && j.NotBefore <= now) || (j.State == MediaJobState.Running && j.LeaseExpiresAt < now)))
                .ExecuteUpdateAsync(
                    j => j.SetProperty(x => x.State, MediaJobState.Running)
                        .SetProperty(x => x.LeaseOwner, owner)
                        .SetProperty(x => x.LeaseExpiresAt, now + lease)
                        .SetProperty(x => x.Attempts, c.Attempts + 1)
                        .SetProperty(x => x.UpdatedAt, now),
                    cancellationToken);
            if (claimed == 1)
            {
                return new ClaimedJob(c.Id, c.VideoId, c.Attempts + 1);
            }
        }

        return null;
    }

    /// <summary>Extends the lease; false when the worker no longer holds the job (it lapsed and another took it).</summary>
    public async Task<bool> HeartbeatAsync(ClaimedJob job, string owner, TimeSpan lease, CancellationToken cancellationToken) =>
        await Held(job, owner).ExecuteUpdateAsync(j => j.SetProperty(x => x.LeaseExpiresAt, Now + lease), cancellationToken) == 1;

    /// <summary>Puts the job back in the queue after a transient error, to be retried at <paramref name="notBefore"/>.</summary>
    public async Task<bool> RetryAsync(ClaimedJob job, string owner, DateTime notBefore, string error, bool countAttempt, CancellationToken cancellationToken) =>
        await Held(job, owner).ExecuteUpdateAsync(
            j => j.SetProperty(x => x.State, MediaJobState.Queued)
                .SetProperty(x => x.NotBefore, notBefore)
                .SetProperty(x => x.LeaseOwner, (string?)null)
                .SetProperty(x => x.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(x => x.Attempts, x => countAttempt ? x.Attempts : x.Attempts - 1)
                .SetProperty(x => x.LastError, Truncate(error))
                .SetProperty(x => x.UpdatedAt, Now),
            cancellationToken) == 1;

    /// <summary>
    /// Ends the job in <paramref name="state"/> and, in the same transaction, applies <paramref name="apply"/>
    /// (publishing the video, or marking it failed). Nothing is applied when the worker lost the job.
    /// </summary>
    public async Task<bool> FinishAsync(ClaimedJob job, string owner, MediaJobState state, string? error, Func<Task> apply, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var finished = await Held(job, owner).ExecuteUpdateAsync(
            j => j.SetProperty(x => x.State, state)
                .SetProperty(x => x.LeaseOwner, (string?)null)
                .SetProperty(x => x.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(x => x.LastError, Truncate(error))
                .SetProperty(x => x.UpdatedAt, Now),
            cancellationToken);
        if (finished != 1)
        {
            return false;
        }

        await apply();
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private IQueryable<MediaJobRecord> Held(ClaimedJob job, string owner) =>
        db.MediaJobs.Where(j => j.Id == job.Id && j.State == MediaJobState.Running && j.LeaseOwner == owner && j.Attempts == job.Attempt);

    private static string? Truncate(string? text) => text is { Length: > 1000 } ? text[..1000] : text;
}
