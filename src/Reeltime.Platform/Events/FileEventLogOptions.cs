namespace Reeltime.Platform.Events;

/// <summary>Settings of a <see cref="FileEventLog"/>.</summary>
public sealed class FileEventLogOptions
{
    /// <summary>The default <see cref="SegmentSizeBytes"/>: 64 MiB.</summary>
    public const long DefaultSegmentSizeBytes = 64L * 1024 * 1024;

    /// <summary>The directory holding the segment files; created if missing.</summary>
    public string Directory { get; set; } = "";

    /// <summary>
    /// The size at which a segment file is closed and a new one started. A batch is never split across
    /// segments, so a single batch larger than a whole segment gets a segment of its own that exceeds this.
    /// </summary>
    public long SegmentSizeBytes { get; set; } = DefaultSegmentSizeBytes;
}
