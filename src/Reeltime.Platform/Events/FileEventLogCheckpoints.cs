using System.Globalization;
using System.Text;

namespace Reeltime.Platform.Events;

/// <summary>
/// Consumer checkpoints of the embedded event log: one small file per consumer, replaced atomically
/// (write to a temporary file, fsync, rename, fsync the directory), so a crash leaves the old or the new
/// value and never a torn one.
/// </summary>
public sealed class FileEventLogCheckpoints : IEventLogCheckpoints
{
    private const string Extension = ".checkpoint";
    private readonly string _directory;
    private readonly Lock _gate = new();

    /// <summary>Keeps checkpoints in <paramref name="directory"/>, created if missing.</summary>
    public FileEventLogCheckpoints(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    /// <inheritdoc />
    public async ValueTask<long> GetAsync(string consumer, CancellationToken cancellationToken = default)
    {
        string path = PathOf(consumer);
        if (!File.Exists(path))
        {
            return 0;
        }

        string text = await File.ReadAllTextAsync(path, Encoding.ASCII, cancellationToken);
        if (!long.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
        {
            throw new InvalidDataException($"The checkpoint of consumer '{consumer}' is not a number; delete the file to replay the log from the start.");
        }

        return offset;
    }

    /// <inheritdoc />
    /// <remarks>Synchronous under a lock: a checkpoint is a few bytes and two fsyncs, saved every few seconds at most.</remarks>
    public ValueTask SaveAsync(string consumer, long nextOffset, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nextOffset);
        cancellationToken.ThrowIfCancellationRequested();
        string path = PathOf(consumer);
        string temporary = path + ".tmp";
        lock (_gate)
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(Encoding.ASCII.GetBytes(nextOffset.ToString(CultureInfo.InvariantCulture)));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            FileSystemSync.FlushDirectory(_directory);
        }

        return ValueTask.CompletedTask;
    }

    private string PathOf(string consumer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumer);
        // Consumer names are code-chosen; keep them to a safe file-name alphabet rather than escaping.
        foreach (char c in consumer)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.')
            {
                throw new ArgumentException("A consumer name may hold only ASCII letters, digits, '-', '_' and '.'.", nameof(consumer));
            }
        }

        return Path.Combine(_directory, consumer + Extension);
    }
}
