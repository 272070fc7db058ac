using Microsoft.Extensions.Options;
using Reeltime.Media.Jobs;
using Reeltime.Platform;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Media.Uploads;

/// <summary>
/// Turns a received file into a video on its way through the pipeline: the video is recorded (processing)
/// with its job queued but held back, in one transaction; the file is moved into the store; then the job is
/// released. A crash in between leaves a held job that fails with "the upload did not finish" once the
/// upload window passes: never a video without a job.
/// </summary>
public sealed class VideoIntake(VideoLibrary library, MediaJobQueue queue, IObjectStore store, MediaJobSignal signal, IOptions<MediaOptions> options, TimeProvider clock)
{
    /// <summary>Records a new video and its held job.</summary>
    public async Task<Outcome<long>> CreateAsync(long authorId, NewVideo metadata, CancellationToken cancellationToken)
    {
        var heldUntil = clock.GetUtcNow().UtcDateTime + options.Value.UploadExpiry;
        return await library.CreateAsync(authorId, metadata, VideoStatus.Processing, id => queue.EnqueueAsync(id, heldUntil, cancellationToken), cancellationToken);
    }

    /// <summary>Moves the received file into the store as the video's original and releases its job.</summary>
    public async Task AcceptAsync(long videoId, string receivedFile, CancellationToken cancellationToken)
    {
        await store.ImportAsync(MediaKeys.Original(videoId), receivedFile, cancellationToken);
        await queue.ReleaseAsync(videoId, cancellationToken);
        signal.Notify();
    }

    /// <summary>Streams a request body part to a file, refusing more than <paramref name="maxBytes"/>; returns the bytes written.</summary>
    public static async Task<long> ReceiveAsync(Stream content, string file, long maxBytes, bool append, CancellationToken cancellationToken)
    {
        await using var output = new FileStream(file, append ? FileMode.Append : FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
        var buffer = new byte[81920];
        long written = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            written += read;
            if (written > maxBytes)
            {
                throw new UploadTooLargeException(maxBytes);
            }

            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        // The client is told the bytes are safe only once they are on disk.
        output.Flush(flushToDisk: true);
        return written;
    }
}
