namespace Reeltime.Media;

/// <summary>
/// Where media objects live. Embedded: a folder on local disk. At scale: S3-compatible storage.
/// Keys are relative paths of lower-case letters, digits, '-', '_', '.' and '/'.
/// </summary>
public interface IObjectStore
{
    /// <summary>Stores an object atomically: readers see the whole object or none of it. Returns its size in bytes.</summary>
    Task<long> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Opens an object for reading, or null when there is none.</summary>
    Stream? OpenRead(string key);

    /// <summary>Deletes an object if it exists.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Media settings.</summary>
public sealed class MediaOptions
{
    /// <summary>The largest upload accepted, in bytes (default 512 MiB).</summary>
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;
}

/// <summary>The upload was larger than allowed.</summary>
public sealed class UploadTooLargeException(long limit) : IOException($"The file is larger than the limit of {limit / (1024 * 1024)} MiB.")
{
    /// <summary>The limit in bytes.</summary>
    public long Limit { get; } = limit;
}

/// <summary>Objects as files under a root folder: written to a temporary file, fsynced, then renamed into place.</summary>
public sealed class LocalDiskObjectStore(string root) : IObjectStore
{
    private readonly string root = Path.GetFullPath(root);

    public async Task<long> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
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

            File.Move(temp, path, overwrite: true);
            return written;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public Stream? OpenRead(string key)
    {
        var path = PathOf(key);
        return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous) : null;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
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
