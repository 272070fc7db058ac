using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Reeltime.Media.Jobs;
using Reeltime.Platform;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Media.Uploads;

/// <summary>An upload in progress as its owner sees it.</summary>
/// <param name="Id">The upload.</param>
/// <param name="Offset">Bytes received and safely on disk.</param>
/// <param name="Length">Bytes declared.</param>
/// <param name="VideoId">The video, once the last byte has arrived.</param>
/// <param name="ExpiresAt">When an unfinished upload is thrown away.</param>
public sealed record UploadState(string Id, long Offset, long Length, long? VideoId, DateTime ExpiresAt);

/// <summary>
/// Resumable uploads (the tus 1.0 core protocol with the creation and termination extensions): the bytes go
/// to a file in the upload folder, appended chunk by chunk at the offset the client states; after a dropped
/// connection the client asks for the offset and carries on. The file's length is the offset, so a restart
/// of the server loses nothing that was acknowledged.
/// </summary>
public sealed class ResumableUploads(PlatformDbContext db, VideoIntake intake, MediaFolders folders, IOptions<MediaOptions> options, TimeProvider clock)
{
    // One writer per upload at a time; within one server process, which owns its upload folder.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    /// <summary>Starts an upload of <paramref name="length"/> bytes with the video's metadata (checked now, not at the end).</summary>
    public async Task<Outcome<UploadState>> CreateAsync(long userId, long length, NewVideo metadata, CancellationToken cancellationToken)
    {
        if (length <= 0)
        {
            return Failure.Invalid("Upload-Length", "The file must be at least 1 byte.");
        }

        if (length > options.Value.MaxUploadBytes)
        {
            return new Failure(FailureKind.TooLarge, UploadTooLargeException.MessageFor(options.Value.MaxUploadBytes));
        }

        if (VideoLibrary.Check(metadata, out var caption, out var visibility) is { } invalid)
        {
            return invalid;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var upload = new MediaUploadRecord
        {
            Id = Guid.NewGuid().ToString("N"),
            UserId = userId,
            Length = length,
            Caption = caption,
            Visibility = visibility,
            CreatedAt = now,
            ExpiresAt = now + options.Value.UploadExpiry,
        };
        Directory.CreateDirectory(folders.UploadFolder);
        await File.WriteAllBytesAsync(PathOf(upload.Id), [], cancellationToken);
        db.MediaUploads.Add(upload);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(upload).State = EntityState.Detached;
        return new UploadState(upload.Id, 0, length, null, upload.ExpiresAt);
    }

    /// <summary>The state of one of the caller's uploads; another user's upload is not found.</summary>
    public async Task<Outcome<UploadState>> GetAsync(long userId, string id, CancellationToken cancellationToken)
    {
        var upload = await FindAsync(userId, id, cancellationToken);
        return upload is null ? Failure.NotFound("The upload") : State(upload);
    }

    /// <summary>
    /// Appends a chunk at <paramref name="offset"/>, which must be the number of bytes already received.
    /// When the last byte arrives, the video is created and queued for processing.
    /// </summary>
    public async Task<Outcome<UploadState>> AppendAsync(long userId, string id, long offset, Stream chunk, CancellationToken cancellationToken)
    {
        var gate = Locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken))
        {
            return new Failure(FailureKind.Conflict, "Another request is writing to this upload.");
        }

        try
        {
            var upload = await FindAsync(userId, id, cancellationToken);
            if (upload is null)
            {
                return Failure.NotFound("The upload");
            }

            var path = PathOf(id);
            var received = File.Exists(path) ? new FileInfo(path).Length : upload.Length;
            if (upload.VideoId is not null || received == upload.Length)
            {
                return offset == upload.Length ? await CompleteAsync(upload, cancellationToken) : new Failure(FailureKind.Conflict, "The upload is already complete.");
            }

            if (offset != received)
            {
                return new Failure(FailureKind.Conflict, $"The upload has {received} bytes; send the next chunk from there.");
            }

            try
            {
                await VideoIntake.ReceiveAsync(chunk, path, upload.Length - received, append: true, cancellationToken);
            }
            catch (UploadTooLargeException)
            {
                // Keep what fits the declared length: the client's extra bytes are a mistake, not an attack on the disk.
                await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                    file.SetLength(upload.Length);
                }

                return Failure.Invalid("Upload-Length", "The chunk goes past the length declared for the upload.");
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // A dropped connection: what arrived stays, and the client resumes from the file's length.
                if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                return new Failure(FailureKind.Invalid, "The chunk was cut off; ask for the offset and resume.");
            }

            var now = new FileInfo(path).Length;
            return now == upload.Length ? await CompleteAsync(upload, cancellationToken) : State(upload);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Abandons an unfinished upload (tus termination).</summary>
    public async Task<Outcome<Done>> DeleteAsync(long userId, string id, CancellationToken cancellationToken)
    {
        var upload = await FindAsync(userId, id, cancellationToken);
        if (upload is null)
        {
            return Failure.NotFound("The upload");
        }

        await db.MediaUploads.Where(u => u.Id == id).ExecuteDeleteAsync(cancellationToken);
        File.Delete(PathOf(id));
        return Done.Value;
    }

    /// <summary>Throws away uploads past their expiry, with their bytes.</summary>
    public async Task<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expired = await db.MediaUploads.Where(u => u.ExpiresAt < now).OrderBy(u => u.ExpiresAt).Select(u => u.Id).Take(1000).ToListAsync(cancellationToken);
        foreach (var id in expired)
        {
            File.Delete(PathOf(id));
        }

        return await db.MediaUploads.Where(u => expired.Contains(u.Id)).ExecuteDeleteAsync(cancellationToken);
    }

    // Idempotent: a crash between its steps is finished by the client's next request.
    private async Task<Outcome<UploadState>> CompleteAsync(MediaUploadRecord upload, CancellationToken cancellationToken)
    {
        if (upload.VideoId is null)
        {
            var created = await intake.CreateAsync(upload.UserId, new NewVideo(upload.Caption, upload.Visibility.ToString()), cancellationToken);
            if (!created.Succeeded)
            {
                return created.Failure!;
            }

            upload.VideoId = created.Value;
            await db.MediaUploads.Where(u => u.Id == upload.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.VideoId, created.Value), cancellationToken);
        }

        if (File.Exists(PathOf(upload.Id)))
        {
            await intake.AcceptAsync(upload.VideoId.Value, PathOf(upload.Id), cancellationToken);
        }

        return new UploadState(upload.Id, upload.Length, upload.Length, upload.VideoId, upload.ExpiresAt);
    }

    private Task<MediaUploadRecord?> FindAsync(long userId, string id, CancellationToken cancellationToken) =>
        IsId(id) ? db.MediaUploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id && u.UserId == userId, cancellationToken) : Task.FromResult<MediaUploadRecord?>(null);

    private UploadState State(MediaUploadRecord upload)
    {
        var path = PathOf(upload.Id);
        var offset = upload.VideoId is not null || !File.Exists(path) ? upload.Length : new FileInfo(path).Length;
        return new UploadState(upload.Id, offset, upload.Length, upload.VideoId, upload.ExpiresAt);
    }

    private string PathOf(string id) => IsId(id) ? Path.Combine(folders.UploadFolder, id + ".part") : throw new ArgumentException("Not an upload id.", nameof(id));

    private static bool IsId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);
}
