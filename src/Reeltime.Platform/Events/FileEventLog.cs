using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Reeltime.Platform.Events;

/// <summary>
/// The embedded event log: append-only segment files of fixed-size records in one directory, written by a
/// single group-commit loop (one write and one fsync for every batch that queued up meanwhile).
/// </summary>
/// <remarks>
/// <para>Segment files are named by the offset of their first event (<c>00000000000000000000.log</c>).
/// The log is opened, and recovered, in the constructor; an instance holds an exclusive lock on its directory.</para>
/// <para>Recovery scans the last segment: damage confined to the last commit (a crash while it was being
/// written) is truncated away; damage followed by a later commit is corruption and the constructor throws
/// <see cref="InvalidDataException"/>. Older segments are checked as they are read.</para>
/// <para>Cancelling an append removes the batch only while it is still queued; once the writer has taken
/// it, cancellation is ignored and the task reports the real outcome. A batch is never partly written.</para>
/// </remarks>
public sealed class FileEventLog : IEventLog, IAsyncDisposable, IDisposable
{
    // Bounds the write buffer (1.25 MiB); one fsync per this many events is already negligible.
    private const int MaxCommitEvents = 16_384;
    private const int ChunkRecords = 1_024;
    private const int SegmentNameDigits = 20;
    private const string SegmentExtension = ".log";
    private const string LockFileName = ".lock";

    private readonly string _directory;
    private readonly long _recordsPerSegment;
    private readonly SafeFileHandle _lockFile;
    private readonly Channel<AppendRequest> _requests =
        Channel.CreateUnbounded<AppendRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly Lock _disposeGate = new();

    // Owned by the writer loop.
    private readonly List<AppendRequest> _commit = [];
    private Segment _active;
    private byte[] _writeBuffer = [];
    private bool _truncatePending;
    private bool _directorySyncPending;

    // Shared with readers: the segment array is replaced, never changed, and is published before any
    // offset in a new segment becomes durable.
    private Segment[] _segments;
    private long _durableOffset;
    private TaskCompletionSource _committed = NewSignal();
    private volatile bool _disposing;
    private volatile bool _closed;
    private Task? _disposeTask;

    /// <summary>Opens (creating if needed) and recovers the log in <paramref name="directory"/>.</summary>
    public FileEventLog(string directory)
        : this(new FileEventLogOptions { Directory = directory })
    {
    }

    /// <summary>Opens (creating if needed) and recovers the log described by <paramref name="options"/>.</summary>
    /// <exception cref="InvalidDataException">A segment is corrupt beyond what a crash can explain.</exception>
    /// <exception cref="IOException">The directory is in use by another instance, or cannot be accessed.</exception>
    public FileEventLog(FileEventLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SegmentSizeBytes, WatchEventRecord.Size, nameof(options));

        _directory = Path.GetFullPath(options.Directory);
        _recordsPerSegment = options.SegmentSizeBytes / WatchEventRecord.Size;
        Directory.CreateDirectory(_directory);
        _lockFile = LockDirectory(_directory);
        try
        {
            _segments = OpenSegments(out _durableOffset);
        }
        catch
        {
            _lockFile.Dispose();
            throw;
        }

        _active = _segments[^1];
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <inheritdoc />
    public long NextOffset => Volatile.Read(ref _durableOffset);

    /// <summary>The directory holding the segment files.</summary>
    public string DirectoryPath => _directory;

    /// <summary>Runs on the writer after a commit is written and before it is fsynced; lets tests interfere.</summary>
    internal Action? BeforeFlushForTests { get; set; }

    /// <inheritdoc />
    /// <remarks>
    /// The memory of <paramref name="events"/> must stay unchanged until the task completes. Cancelling
    /// takes effect only while the batch is still queued (the task is then cancelled and nothing is written).
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The log is disposed or being disposed.</exception>
    /// <exception cref="IOException">The batch could not be made durable; it was rolled back.</exception>
    public ValueTask<long> AppendAsync(ReadOnlyMemory<WatchEvent> events, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<long>(cancellationToken);
        }

        if (_disposing)
        {
            return ValueTask.FromException<long>(new ObjectDisposedException(nameof(FileEventLog)));
        }

        var request = new AppendRequest(events);
        // Registered before queueing so the writer never sees a request whose registration is still being set.
        request.RegisterCancellation(cancellationToken);
        if (!_requests.Writer.TryWrite(request))
        {
            request.Abandon();
            return ValueTask.FromException<long>(new ObjectDisposedException(nameof(FileEventLog)));
        }

        return new ValueTask<long>(request.Task);
    }

    /// <inheritdoc />
    /// <remarks>Reads are synchronous (page cache) and never see events that are written but not yet fsynced.</remarks>
    /// <exception cref="InvalidDataException">A record in the requested range fails its checksum.</exception>
    public ValueTask<int> ReadAsync(long fromOffset, Memory<LoggedEvent> buffer, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromOffset);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        ObjectDisposedException.ThrowIf(_closed, this);
        return new ValueTask<int>(Read(fromOffset, buffer.Span));
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The log was disposed before the offset became durable.</exception>
    public ValueTask WaitForOffsetAsync(long offset, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return offset < NextOffset ? ValueTask.CompletedTask : WaitForCommitsAsync(offset, cancellationToken);
    }

    /// <summary>Stops taking appends, writes the ones already queued, then closes the files.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_disposeGate)
        {
            _disposeTask ??= DisposeCoreAsync();
        }

        return new ValueTask(_disposeTask);
    }

    /// <summary>Blocking form of <see cref="DisposeAsync"/>, for containers disposed synchronously.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async ValueTask WaitForCommitsAsync(long offset, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before checking the offset: the writer publishes the offset and then swaps
            // the signal, so a commit between the two checks still completes the task awaited here.
            Task committed = Volatile.Read(ref _committed).Task;
            if (offset < NextOffset)
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_closed, this);
            await committed.WaitAsync(cancellationToken);
        }
    }

    private async Task DisposeCoreAsync()
    {
        _disposing = true;
        _requests.Writer.TryComplete();
        await _writer;
        _closed = true;
        Interlocked.Exchange(ref _committed, NewSignal()).TrySetResult();
        foreach (Segment segment in Volatile.Read(ref _segments))
        {
            segment.Close();
        }

        _lockFile.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static SafeFileHandle LockDirectory(string directory)
    {
        try
        {
            return File.OpenHandle(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The event log in '{directory}' is already open in this or another process.", ex);
        }
    }

    // ---- Opening and recovery -------------------------------------------------------------------------

    private Segment[] OpenSegments(out long nextOffset)
    {
        var found = new List<(long First, string Path)>();
        foreach (string path in Directory.EnumerateFiles(_directory, "*" + SegmentExtension))
        {
            if (TryParseSegmentName(Path.GetFileName(path), out long first))
            {
                found.Add((first, path));
            }
        }

        if (found.Count == 0)
        {
            string path = SegmentPath(0);
            var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
            FileSystemSync.FlushDirectory(_directory);
            nextOffset = 0;
            return [new Segment(0, path, handle)];
        }

        found.Sort((a, b) => a.First.CompareTo(b.First));
        var segments = new Segment[found.Count];
        for (int i = 0; i < found.Count - 1; i++)
        {
            (long first, string path) = found[i];
            long length = new FileInfo(path).Length;
            if (length % WatchEventRecord.Size != 0)
            {
                throw Corrupt(path, string.Create(CultureInfo.InvariantCulture,
                    $"its length {length} is not a whole number of {WatchEventRecord.Size}-byte records, and only the last segment may be torn"));
            }

            long next = first + (length / WatchEventRecord.Size);
            if (next != found[i + 1].First)
            {
                throw Corrupt(path, string.Create(CultureInfo.InvariantCulture,
                    $"it ends at offset {next} but the next segment starts at {found[i + 1].First}, so events are missing or duplicated"));
            }

            segments[i] = new Segment(first, path, handle: null);
        }

        (long lastFirst, string lastPath) = found[^1];
        var lastHandle = File.OpenHandle(lastPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            long count = RecoverLastSegment(lastHandle, lastFirst, lastPath);
            segments[^1] = new Segment(lastFirst, lastPath, lastHandle) { Count = count };
            nextOffset = lastFirst + count;
            return segments;
        }
        catch
        {
            lastHandle.Dispose();
            throw;
        }
    }

    /// <summary>Returns how many records of the last segment survive, after truncating a torn tail.</summary>
    private static long RecoverLastSegment(SafeFileHandle handle, long first, string path)
    {
        long length = RandomAccess.GetLength(handle);
        long whole = length / WatchEventRecord.Size;
        long firstBad = -1;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkRecords * WatchEventRecord.Size);
        try
        {
            for (long index = 0; index < whole;)
            {
                int count = (int)Math.Min(ChunkRecords, whole - index);
                Span<byte> chunk = buffer.AsSpan(0, count * WatchEventRecord.Size);
                ReadExactly(handle, chunk, index * WatchEventRecord.Size, path);
                for (int i = 0; i < count; i++, index++)
                {
                    long expected = first + index;
                    bool valid = WatchEventRecord.TryRead(chunk.Slice(i * WatchEventRecord.Size, WatchEventRecord.Size), out long offset, out long commitStart, out _)
                        && offset == expected
                        && commitStart <= offset;
                    if (firstBad < 0)
                    {
                        if (!valid)
                        {
                            firstBad = index;
                        }
                    }
                    else if (valid && commitStart > first + firstBad)
                    {
                        // Commits are written one at a time and each waits for the previous fsync, so a
                        // later commit on disk proves the damaged record was durable: not a torn write.
                        throw Corrupt(path, string.Create(CultureInfo.InvariantCulture,
                            $"the record for offset {first + firstBad} is damaged, yet a later commit starting at offset {commitStart} follows it. Restore the file from a backup, or truncate it to {firstBad * WatchEventRecord.Size} bytes to accept losing the events from offset {first + firstBad} on"));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        long kept = firstBad < 0 ? whole : firstBad;
        if (kept * WatchEventRecord.Size != length)
        {
            // Partial, zeroed or damaged records of a commit that never completed: it was never acknowledged.
            RandomAccess.SetLength(handle, kept * WatchEventRecord.Size);
            RandomAccess.FlushToDisk(handle);
        }

        return kept;
    }

    private static InvalidDataException Corrupt(string path, string reason) =>
        new($"Event log segment '{path}' is corrupt: {reason}.");

    private static bool TryParseSegmentName(string name, out long first)
    {
        first = 0;
        ReadOnlySpan<char> digits = name.AsSpan(0, Math.Min(name.Length, SegmentNameDigits));
        return name.Length == SegmentNameDigits + SegmentExtension.Length
            && name.EndsWith(SegmentExtension, StringComparison.Ordinal)
            && !digits.ContainsAnyExceptInRange('0', '9')
            && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out first);
    }

    private string SegmentPath(long first) =>
        Path.Combine(_directory, first.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension);

    // ---- Writing ------------------------------------------------------------------------------------

    private async Task WriteLoopAsync()
    {
        ChannelReader<AppendRequest> reader = _requests.Reader;
        AppendRequest? carried = null;
        // Ends once disposal completed the channel and every queued request was committed.
        while (carried is not null || await reader.WaitToReadAsync())
        {
            bool roll = CollectCommit(reader, ref carried);
            if (_commit.Count > 0)
            {
                Commit(roll);
                _commit.Clear();
            }
        }
    }

    /// <summary>
    /// Takes queued requests into <see cref="_commit"/> up to what fits in the active segment (or a fresh one);
    /// returns whether the commit must start a new segment. A request that does not fit is carried over.
    /// </summary>
    private bool CollectCommit(ChannelReader<AppendRequest> reader, ref AppendRequest? carried)
    {
        long activeCount = _active.Count;
        bool roll = activeCount >= _recordsPerSegment;
        long room = roll ? _recordsPerSegment : _recordsPerSegment - activeCount;
        long total = 0;
        while (true)
        {
            AppendRequest? request = carried;
            carried = null;
            if (request is null)
            {
                if (!reader.TryRead(out request))
                {
                    break;
                }

                if (!request.TryClaim())
                {
                    continue; // cancelled while queued
                }
            }

            int length = request.Events.Length;
            if (_commit.Count == 0)
            {
                // Batches are never split, so one that does not fit the rest of the segment starts a new one.
                if (length > room && activeCount > 0 && !roll)
                {
                    roll = true;
                    room = _recordsPerSegment;
                }
            }
            else if (total + length > room || total + length > MaxCommitEvents)
            {
                carried = request;
                break;
            }

            _commit.Add(request);
            total += length;
        }

        return roll;
    }

    private void Commit(bool roll)
    {
        long start = _durableOffset;
        long next = start;
        try
        {
            RepairAfterFailure();
            if (roll)
            {
                StartSegment(start);
            }

            int bytes = Encode(start, out next);
            if (bytes > 0)
            {
                Segment segment = _active;
                RandomAccess.Write(segment.Handle, _writeBuffer.AsSpan(0, bytes), (start - segment.First) * WatchEventRecord.Size);
                BeforeFlushForTests?.Invoke();
                RandomAccess.FlushToDisk(segment.Handle);
                segment.Count += next - start;
            }
        }
#pragma warning disable CA1031 // Any failure belongs to the appenders of this commit; the loop must survive it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _truncatePending = true;
            TryRepairAfterFailure();
            foreach (AppendRequest request in _commit)
            {
                request.Fail(new IOException("The event log could not make the batch durable; it was rolled back.", ex));
            }

            return;
        }

        Volatile.Write(ref _durableOffset, next);
        Interlocked.Exchange(ref _committed, NewSignal()).TrySetResult();
        long offset = start;
        foreach (AppendRequest request in _commit)
        {
            request.Complete(offset);
            offset += request.Events.Length;
        }
    }

    /// <summary>Encodes the collected requests into the write buffer; returns the byte count.</summary>
    private int Encode(long start, out long next)
    {
        long count = 0;
        foreach (AppendRequest request in _commit)
        {
            count += request.Events.Length;
        }

        long needed = count * WatchEventRecord.Size;
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException("The batch is too large for one write.");
        }

        if (_writeBuffer.Length < needed)
        {
            _writeBuffer = new byte[Math.Max(needed, Math.Min((long)MaxCommitEvents * WatchEventRecord.Size, Array.MaxLength))];
        }

        Span<byte> buffer = _writeBuffer;
        int position = 0;
        next = start;
        foreach (AppendRequest request in _commit)
        {
            foreach (ref readonly WatchEvent watchEvent in request.Events.Span)
            {
                WatchEventRecord.Write(buffer.Slice(position, WatchEventRecord.Size), next, start, watchEvent);
                position += WatchEventRecord.Size;
                next++;
            }
        }

        return position;
    }

    private void StartSegment(long first)
    {
        string path = SegmentPath(first);
        var segment = new Segment(first, path, File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read));
        _active = segment;
        Volatile.Write(ref _segments, [.. _segments, segment]);
        _directorySyncPending = true;
        FileSystemSync.FlushDirectory(_directory);
        _directorySyncPending = false;
    }

    /// <summary>Undoes what a failed commit may have left: bytes past the durable end, an unsynced new file.</summary>
    private void RepairAfterFailure()
    {
        if (_truncatePending)
        {
            Segment segment = _active;
            RandomAccess.SetLength(segment.Handle, segment.Count * WatchEventRecord.Size);
            RandomAccess.FlushToDisk(segment.Handle);
            _truncatePending = false;
        }

        if (_directorySyncPending)
        {
            FileSystemSync.FlushDirectory(_directory);
            _directorySyncPending = false;
        }
    }

    private void TryRepairAfterFailure()
    {
        try
        {
            RepairAfterFailure();
        }
#pragma warning disable CA1031 // The flags stay set; the next commit retries the repair before writing and fails if it still cannot.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    // ---- Reading ------------------------------------------------------------------------------------

    private int Read(long fromOffset, Span<LoggedEvent> destination)
    {
        // Offset first, segments second: a segment is published before any of its offsets is durable.
        long durable = NextOffset;
        if (fromOffset >= durable || destination.IsEmpty)
        {
            return 0;
        }

        Segment[] segments = Volatile.Read(ref _segments);
        int total = (int)Math.Min(destination.Length, durable - fromOffset);
        int index = FindSegment(segments, fromOffset);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(total, ChunkRecords) * WatchEventRecord.Size);
        try
        {
            int done = 0;
            while (done < total)
            {
                long offset = fromOffset + done;
                while (index + 1 < segments.Length && segments[index + 1].First <= offset)
                {
                    index++;
                }

                Segment segment = segments[index];
                long end = index + 1 < segments.Length ? segments[index + 1].First : durable;
                int count = (int)Math.Min(Math.Min(total - done, ChunkRecords), end - offset);
                Span<byte> chunk = buffer.AsSpan(0, count * WatchEventRecord.Size);
                ReadExactly(segment.Handle, chunk, (offset - segment.First) * WatchEventRecord.Size, segment.Path);
                for (int i = 0; i < count; i++)
                {
                    if (!WatchEventRecord.TryRead(chunk.Slice(i * WatchEventRecord.Size, WatchEventRecord.Size), out long stored, out _, out WatchEvent watchEvent)
                        || stored != offset + i)
                    {
                        throw Corrupt(segment.Path, string.Create(CultureInfo.InvariantCulture, $"the record for offset {offset + i} is damaged"));
                    }

                    destination[done + i] = new LoggedEvent(offset + i, watchEvent);
                }

                done += count;
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int FindSegment(Segment[] segments, long offset)
    {
        if (offset < segments[0].First)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The log starts at a later offset.");
        }

        int low = 0;
        int high = segments.Length - 1;
        while (low < high)
        {
            int middle = low + ((high - low + 1) / 2);
            if (segments[middle].First <= offset)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return low;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long position, string path)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, position);
            if (read == 0)
            {
                throw Corrupt(path, "it is shorter than the events it should hold");
            }

            destination = destination[read..];
            position += read;
        }
    }

    // ---- Types ----------------------------------------------------------------------------------------

    /// <summary>One segment file; older segments open their read handle on first use.</summary>
    private sealed class Segment(long first, string path, SafeFileHandle? handle)
    {
        private SafeFileHandle? _handle = handle;
        private volatile bool _closed;

        public long First { get; } = first;

        public string Path { get; } = path;

        /// <summary>Records in the file; kept up to date by the writer for the active segment only.</summary>
        public long Count { get; set; }

        public SafeFileHandle Handle => Volatile.Read(ref _handle) ?? OpenForReading();

        public void Close()
        {
            _closed = true;
            Volatile.Read(ref _handle)?.Dispose();
        }

        private SafeFileHandle OpenForReading()
        {
            var opened = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            SafeFileHandle? existing = Interlocked.CompareExchange(ref _handle, opened, null);
            if (existing is not null)
            {
                opened.Dispose();
                return existing;
            }

            // A Close racing with this open either sees the new handle or is seen here.
            if (_closed)
            {
                opened.Dispose();
                throw new ObjectDisposedException(nameof(FileEventLog));
            }

            return opened;
        }
    }

    /// <summary>A queued batch; the task completes with its first offset once it is durable.</summary>
    private sealed class AppendRequest(ReadOnlyMemory<WatchEvent> events)
        : TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private const int Queued = 0;
        private const int Claimed = 1;
        private const int Cancelled = 2;

        private int _state;
        private CancellationTokenRegistration _registration;

        public ReadOnlyMemory<WatchEvent> Events { get; } = events;

        public void RegisterCancellation(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(
                    static (state, token) => ((AppendRequest)state!).TryCancel(token), this);
            }
        }

        /// <summary>The writer takes the request; false if it was cancelled first.</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Queued) == Queued;

        public void Complete(long firstOffset)
        {
            _registration.Dispose();
            TrySetResult(firstOffset);
        }

        public void Fail(Exception exception)
        {
            _registration.Dispose();
            TrySetException(exception);
        }

        public void Abandon() => _registration.Dispose();

        private void TryCancel(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
            {
                TrySetCanceled(token);
            }
        }
    }
}
