using Microsoft.Extensions.Options;
using Reeltime.Media;
using Reeltime.Platform.Videos;

namespace Reeltime.Server;

/// <summary>How long a deleted video is kept before it is removed for good.</summary>
public sealed class VideoRetentionOptions
{
    /// <summary>Grace period after a soft delete (the author may ask support to restore it meanwhile).</summary>
    public TimeSpan DeletedGracePeriod { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the purge runs.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Removes soft-deleted videos after their grace period: the metadata and engagement first, then the media
/// files. A failed round is logged and retried on the next one; it never stops the server.
/// </summary>
internal sealed partial class VideoPurge(
    IServiceScopeFactory scopes, IObjectStore store, IOptions<VideoRetentionOptions> options, TimeProvider clock, ILogger<VideoPurge> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, clock);
        do
        {
            try
            {
                await PurgeOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The next round retries; one failure must not end the purge for good.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogPurgeFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round: every video deleted longer ago than the grace period, in chunks.</summary>
    internal async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var before = (clock.GetUtcNow() - options.Value.DeletedGracePeriod).UtcDateTime;
        var total = 0;
        while (true)
        {
            IReadOnlyList<long> ids;
            await using (var scope = scopes.CreateAsyncScope())
            {
                ids = await scope.ServiceProvider.GetRequiredService<VideoLibrary>().PurgeAsync(before, cancellationToken);
            }

            foreach (var id in ids)
            {
                await store.DeleteAllAsync(MediaKeys.Video(id), cancellationToken);
            }

            total += ids.Count;
            if (ids.Count == 0)
            {
                if (total > 0)
                {
                    LogPurged(total);
                }

                return total;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} videos deleted before their grace period ended")]
    private partial void LogPurged(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Purging deleted videos failed; retrying on the next round")]
    private partial void LogPurgeFailed(Exception exception);
}
