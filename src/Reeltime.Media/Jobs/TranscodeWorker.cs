using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reeltime.Media.Tools;
using Reeltime.Media.Transcoding;
using Reeltime.Media.Uploads;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Media.Jobs;

/// <summary>Where the media room does its work on local disk.</summary>
/// <param name="WorkFolder">Scratch space for jobs; emptied at start-up (whatever is there belongs to a crashed run).</param>
/// <param name="UploadFolder">The bytes of resumable uploads in progress.</param>
public sealed record MediaFolders(string WorkFolder, string UploadFolder);

/// <summary>
/// Runs media jobs: claims one, transcodes it in a scratch folder, publishes the renditions, then marks the
/// video ready in the same transaction that finishes the job. As many loops run as <see cref="MediaOptions.Workers"/>.
/// A failure in one job never stops the worker.
/// </summary>
public sealed partial class TranscodeWorker(
    IServiceScopeFactory scopes,
    MediaPipeline pipeline,
    IObjectStore store,
    MediaJobSignal signal,
    MediaToolCheck tools,
    MediaFolders folders,
    IOptions<MediaOptions> options,
    TimeProvider clock,
    ILogger<TranscodeWorker> logger) : BackgroundService
{
    private readonly MediaOptions settings = options.Value;
    private readonly string owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Removes what a crashed run left behind, before any job starts, then starts the loops.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        CleanUpAfterCrash();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (await tools.ProblemAsync(stoppingToken) is { } problem)
        {
            LogToolsMissing(problem);
            await Task.Delay(TimeSpan.FromMinutes(1), clock, stoppingToken);
        }

        var loops = Enumerable.Range(0, settings.Workers).Select(i => LoopAsync(i, stoppingToken)).ToList();
        loops.Add(SweepUploadsAsync(stoppingToken));
        await Task.WhenAll(loops);
    }

    /// <summary>Runs one job if one is due; returns whether there was one. Used by the loops, and by tests to drive the queue.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        ClaimedJob? job;
        await using (var scope = scopes.CreateAsyncScope())
        {
            job = await scope.ServiceProvider.GetRequiredService<MediaJobQueue>().ClaimAsync(owner, settings.JobLease, cancellationToken);
        }

        if (job is null)
        {
            return false;
        }

        await RunAsync(job, cancellationToken);
        return true;
    }

    private async Task LoopAsync(int index, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await RunOnceAsync(stoppingToken))
                {
                    await signal.WaitAsync(settings.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException or IOException or TimeoutException)
            {
                // The database or the disk hiccuped between jobs; the queue is durable, so wait and go on.
                LogLoopError(e, index);
                await Task.Delay(settings.PollInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RunAsync(ClaimedJob job, CancellationToken stoppingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var folder = Path.Combine(folders.WorkFolder, $"job-{job.Id}-{job.Attempt}");
        var progress = new LatestProgress();
        var keeper = KeepAsync(job, progress, held);
        try
        {
            Directory.CreateDirectory(folder);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            var queue = scope.ServiceProvider.GetRequiredService<MediaJobQueue>();
            var library = scope.ServiceProvider.GetRequiredService<VideoLibrary>();
            var video = await db.Videos.AsNoTracking().Where(v => v.Id == job.VideoId).Select(v => new { v.DeletedAt }).SingleOrDefaultAsync(held.Token);
            if (video is null || video.DeletedAt is not null)
            {
                await queue.FinishAsync(job, owner, MediaJobState.Succeeded, "The video was deleted before it was processed.", () => Task.CompletedTask, held.Token);
                return;
            }

            await library.SetStatusAsync(job.VideoId, VideoStatus.Processing, null, 0, null, null, null, held.Token);
            var source = Path.Combine(folder, FfmpegCommands.SourceName);
            var original = await store.OpenAsync(MediaKeys.Original(job.VideoId), held.Token);
            if (original is null)
            {
                await FailAsync(queue, library, job, "The upload did not finish: upload the video again.", held.Token);
                return;
            }

            await using (original.Content)
            await using (var copy = new FileStream(source, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await original.Content.CopyToAsync(copy, held.Token);
            }

            var result = await pipeline.TranscodeAsync(source, folder, progress, held.Token);
            if (result.Refusal is { } refusal)
            {
                LogRefused(job.VideoId, refusal.Reason);
                await FailAsync(queue, library, job, refusal.Reason, held.Token);
                return;
            }

            // Every file is published (each atomically) before the video is marked ready: until that
            // commit, no reader is served any of them, so a crash mid-way leaves nothing half-written in view.
            foreach (var file in result.Files)
            {
                await store.ImportAsync(MediaKeys.Rendition(job.VideoId, file.Name), file.Path, held.Token);
            }

            var finished = await queue.FinishAsync(job, owner, MediaJobState.Succeeded, null, async () =>
            {
                await db.VideoRenditions.Where(r => r.VideoId == job.VideoId).ExecuteDeleteAsync(held.Token);
                db.VideoRenditions.AddRange(result.Files.Where(f => f.IsEntryPoint).Select(f => new VideoRenditionRecord
                {
                    VideoId = job.VideoId,
                    Name = f.Name,
                    ContentType = f.ContentType,
                    Bytes = f.Bytes,
                    Width = f.Width,
                    Height = f.Height,
                    BitsPerSecond = f.BitsPerSecond,
                }));
                await db.SaveChangesAsync(held.Token);
                await library.SetStatusAsync(job.VideoId, VideoStatus.Ready, null, 100, result.DurationMs, result.Width, result.Height, held.Token);
            }, held.Token);
            if (finished)
            {
                LogReady(job.VideoId, result.DurationMs, result.Width, result.Height);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: hand the job back at once, without counting the attempt.
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MediaJobQueue>().RetryAsync(job, owner, clock.GetUtcNow().UtcDateTime, "The server stopped.", countAttempt: false, CancellationToken.None);
        }
        catch (OperationCanceledException) when (held.IsCancellationRequested)
        {
            LogLeaseLost(job.Id);
        }
        catch (Exception e)
        {
            // Anything else is taken as transient: the same file may well succeed on a retry.
            LogJobError(e, job.Id, job.Attempt);
            await using var scope = scopes.CreateAsyncScope();
            var queue = scope.ServiceProvider.GetRequiredService<MediaJobQueue>();
            if (job.Attempt < settings.MaxAttempts)
            {
                var delay = settings.RetryDelay * Math.Pow(2, job.Attempt - 1);
                await queue.RetryAsync(job, owner, clock.GetUtcNow().UtcDateTime + delay, e.Message, countAttempt: true, CancellationToken.None);
            }
            else
            {
                await FailAsync(queue, scope.ServiceProvider.GetRequiredService<VideoLibrary>(), job, "We could not process this video after several tries: please upload it again.", CancellationToken.None);
            }
        }
        finally
        {
            await held.CancelAsync();
            await keeper;
            TryDelete(folder);
        }
    }

    private async Task FailAsync(MediaJobQueue queue, VideoLibrary library, ClaimedJob job, string reason, CancellationToken cancellationToken) =>
        await queue.FinishAsync(job, owner, MediaJobState.Failed, reason, () => library.SetStatusAsync(job.VideoId, VideoStatus.Failed, reason, null, null, null, null, cancellationToken), cancellationToken);

    // Beside each job: extends its lease and writes its progress. When the lease is lost, the job is cancelled.
    private async Task KeepAsync(ClaimedJob job, LatestProgress progress, CancellationTokenSource held)
    {
        var beat = TimeSpan.FromTicks(Math.Max(settings.JobLease.Ticks / 3, TimeSpan.FromMilliseconds(200).Ticks));
        var written = -1;
        var lastBeat = clock.GetTimestamp();
        try
        {
            while (!held.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, beat.TotalMilliseconds)), clock, held.Token);
                await using var scope = scopes.CreateAsyncScope();
                if (clock.GetElapsedTime(lastBeat) >= beat)
                {
                    lastBeat = clock.GetTimestamp();
                    if (!await scope.ServiceProvider.GetRequiredService<MediaJobQueue>().HeartbeatAsync(job, owner, settings.JobLease, held.Token))
                    {
                        await held.CancelAsync();
                        return;
                    }
                }

                var percent = progress.Percent;
                if (percent != written && percent > 0)
                {
                    written = percent;
                    await scope.ServiceProvider.GetRequiredService<VideoLibrary>().SetStatusAsync(job.VideoId, VideoStatus.Processing, null, percent, null, null, null, held.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended.
        }
        catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException)
        {
            // A missed heartbeat is not fatal: the lease has slack for two more.
            LogLoopError(e, -1);
        }
    }

    private async Task SweepUploadsAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ResumableUploads>().RemoveExpiredAsync(stoppingToken);
                await Task.Delay(TimeSpan.FromMinutes(10), clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException or IOException)
            {
                LogLoopError(e, -1);
                await Task.Delay(TimeSpan.FromMinutes(1), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void CleanUpAfterCrash()
    {
        // One server owns its data directory's scratch space: anything in it was left by a run that crashed,
        // and so is any ffmpeg still working in it. Those go first, or they would write into what is emptied.
        if (OrphanedTools.Kill(folders.WorkFolder, ["ffmpeg", "ffprobe", settings.Ffmpeg, settings.Ffprobe]) is { Count: > 0 } orphans)
        {
            LogOrphansKilled(orphans.Count, string.Join(", ", orphans));
        }

        if (Directory.Exists(folders.WorkFolder))
        {
            foreach (var leftover in Directory.EnumerateDirectories(folders.WorkFolder))
            {
                TryDelete(leftover);
            }
        }

        if (store is LocalDiskObjectStore local && local.RemoveInterruptedWrites() is > 0 and var removed)
        {
            LogInterruptedWrites(removed);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Removed at the next start.
        }
        catch (UnauthorizedAccessException)
        {
            // Removed at the next start.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Media processing is off: {Problem}")]
    private partial void LogToolsMissing(string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media worker {Index} could not reach the queue; retrying")]
    private partial void LogLoopError(Exception exception, int index);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media job {JobId} failed on attempt {Attempt}")]
    private partial void LogJobError(Exception exception, long jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media job {JobId} lost its lease; another worker has it")]
    private partial void LogLeaseLost(long jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Video {VideoId} refused: {Reason}")]
    private partial void LogRefused(long videoId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Video {VideoId} is ready: {DurationMs} ms, {Width}x{Height}")]
    private partial void LogReady(long videoId, int durationMs, int width, int height);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Killed {Count} ffmpeg/ffprobe processes a crashed run left working in the scratch folder (process ids {ProcessIds})")]
    private partial void LogOrphansKilled(int count, string processIds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} object writes a crash interrupted")]
    private partial void LogInterruptedWrites(int count);

    private sealed class LatestProgress : IProgress<int>
    {
        private int percent;

        public int Percent => Volatile.Read(ref percent);

        public void Report(int value) => Volatile.Write(ref percent, value);
    }
}
