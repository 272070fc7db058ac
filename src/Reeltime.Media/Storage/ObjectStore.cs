using System.Globalization;
using Reeltime.Platform.Events;

namespace Reeltime.Media;

/// <summary>An object opened for reading, with what HTTP needs to serve it: length, time and entity tag.</summary>
/// <param name="Content">The bytes; the caller disposes the stream.</param>
/// <param name="Length">The size in bytes.</param>
/// <param name="LastModified">When the object was stored.</param>
/// <param name="ETag">A strong entity tag that changes whenever the object's bytes could have changed (quoted).</param>
public sealed record StoredObject(Stream Content, long Length, DateTimeOffset LastModified, string ETag) : IAsyncDisposable
{
    /// <summary>Closes the content stream.</summary>
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

/// <summary>
/// Where media objects live. Embedded: a folder on local disk. At scale: S3-compatible storage.
/// Keys are relative paths of lower-case letters, digits, '-', '_', '.' and '/'.
/// </summary>
public interface IObjectStore
{
    /// <summary>Stores an object atomically: readers see the whole object or none of it. Returns its size in bytes.</summary>
    Task<long> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a finished local file into the store under <paramref name="key"/>, atomically; the local file is
    /// gone afterwards. Returns the object's size in bytes.
    /// </summary>
    Task<long> ImportAsync(string key, string localFile, CancellationToken cancellationToken);

    /// <summary>Opens an object for reading, or null when there is none.</summary>
    Task<StoredObject?> OpenAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes an object if it exists.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes every object whose key starts with <paramref name="prefix"/> followed by '/'.</summary>
    Task DeleteAllAsync(string prefix, CancellationToken cancellationToken);
}

/// <summary>The upload was larger than allowed.</summary>
public sealed class UploadTooLargeException(long limit) : IOException(MessageFor(limit))
{
    /// <summary>The limit in bytes.</summary>
    public long Limit { get; } = limit;

    /// <summary>What a creator is told when a file is over <paramref name="limit"/> bytes.</summary>
    public static string MessageFor(long limit) => $"The file is larger than the limit of {ByteSize.InWords(limit)}.";
}

/// <summary>Sizes as people read them.</summary>
public static class ByteSize
{
    /// <summary>A size in bytes in binary units, e.g. "512 MiB", "1.5 GiB", "64 KiB", "300 bytes".</summary>
    public static string InWords(long bytes)
    {
        const double Kib = 1024;
        return bytes switch
        {
            >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (Kib * Kib * Kib):0.#} GiB"),
            >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (Kib * Kib):0.#} MiB"),
            >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / Kib:0.#} KiB"),
            1 => "1 byte",
            _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        };
    }
}

/// <summary>Objects as files under a root folder: written to a temporary file, fsynced, then renamed into place.</summary>
public sealed class LocalDiskObjectStore(string root) : IObjectStore
{
    private const string TemporarySuffix = ".tmp";
    private readonly string root = Path.GetFullPath(root);

    public async Task<long> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temp = path + "." + Guid.NewGuid().ToString("N") + TemporarySuffix;
        long written = 0;
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    if (written > maxBytes)
                    {
                        throw new UploadTooLargeException(maxBytes);
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                file.Flush(flushToDisk: true);
            }

            // The rename publishes the object; flushing the directory makes the rename survive a power cut.
            File.Move(temp, path, overwrite: true);
            FileSystemSync.FlushDirectory(Path.GetDirectoryName(path)!);
            return written;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public async Task<long> ImportAsync(string key, string localFile, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + TemporarySuffix;
        try
        {
            // Same file system: a rename, no copy. Either way the bytes are flushed before the final rename.
            File.Move(localFile, temp);
            await using (var file = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            FileSystemSync.FlushDirectory(Path.GetDirectoryName(path)!);
            return new FileInfo(path).Length;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public Task<StoredObject?> OpenAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous);
            var written = File.GetLastWriteTimeUtc(path);

            // Objects are replaced by rename, never rewritten in place: size and time identify the bytes.
            var tag = string.Create(CultureInfo.InvariantCulture, $"\"{stream.Length:x}-{written.Ticks:x}\"");
            return Task.FromResult<StoredObject?>(new StoredObject(stream, stream.Length, new DateTimeOffset(written, TimeSpan.Zero), tag));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<StoredObject?>(null);
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public Task DeleteAllAsync(string prefix, CancellationToken cancellationToken)
    {
        var path = PathOf(prefix);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Removes the temporary files of writes that a crash interrupted; they were never renamed into place,
    /// so no reader ever saw them. Returns how many were removed.
    /// </summary>
    public int RemoveInterruptedWrites()
    {
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*" + TemporarySuffix, SearchOption.AllDirectories))
        {
            File.Delete(file);
            removed++;
        }

        return removed;
    }

    private string PathOf(string key)
    {
        // Keys come from our own code, but a traversal must be impossible even if one is built from input.
        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.' or '/'))
            {
                throw new ArgumentException("Object keys use a–z, 0–9, '-', '_', '.' and '/'.", nameof(key));
            }
        }

        if (key.Length == 0 || key.StartsWith('/') || key.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException("Object keys are relative paths without '.' or '..' parts.", nameof(key));
        }

        var path = Path.GetFullPath(Path.Combine(root, key));
        return path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? path : throw new ArgumentException("Object key escapes the store.", nameof(key));
    }
}
