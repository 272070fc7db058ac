namespace Reeltime.Media;

/// <summary>One rung of the rendition ladder: a size by the short side, a frame-rate cap and bit rates.</summary>
public sealed class LadderRung
{
    /// <summary>The short side of the picture in pixels (720 for a 720×1280 portrait video).</summary>
    public int ShortSide { get; set; }

    /// <summary>The highest frame rate of this rung; faster sources are resampled down.</summary>
    public int MaxFrameRate { get; set; } = 60;

    /// <summary>
    /// The video bit-rate ceiling in kbit/s (0: about 0.1 bit per pixel at 30 fps of a 9:16 picture). Quality
    /// is constant (CRF) below it; the ceiling keeps the HLS BANDWIDTH honest and the file small on noisy
    /// phone footage.
    /// </summary>
    public int MaxVideoKbps { get; set; }

    /// <summary>The ceiling in force: the configured one, or one derived from the size.</summary>
    public int EffectiveMaxVideoKbps => MaxVideoKbps > 0 ? MaxVideoKbps : Math.Max(100, (int)(ShortSide * (ShortSide * 16.0 / 9) * 30 * 0.1 / 1000));

    /// <summary>The AAC audio bit rate in kbit/s.</summary>
    public int AudioKbps { get; set; } = 128;
}

/// <summary>Media settings (section <c>Media</c>), validated at start-up.</summary>
public sealed class MediaOptions
{
    /// <summary>The highest <see cref="MaxUploadBytes"/> that may be configured (1 TiB), far from any overflow of the request limit.</summary>
    public const long MaxUploadCeiling = 1L << 40;

    /// <summary>The largest upload accepted, in bytes (default 512 MiB); the request-body limit of the upload routes follows it.</summary>
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>The longest video accepted (default 10 minutes).</summary>
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The ffmpeg executable (a name on PATH or a full path).</summary>
    public string Ffmpeg { get; set; } = "ffmpeg";

    /// <summary>The ffprobe executable (a name on PATH or a full path).</summary>
    public string Ffprobe { get; set; } = "ffprobe";

    /// <summary>
    /// The rendition ladder, highest first (default 720p and 360p by the short side). Rungs above the source's
    /// size are skipped, except that the smallest rung is always made.
    /// </summary>
    public List<LadderRung> Ladder { get; set; } = [];

    /// <summary>The x264 preset: slower presets give smaller files for more CPU.</summary>
    public string Preset { get; set; } = "veryfast";

    /// <summary>The x264 constant-rate factor (quality; lower is better and bigger).</summary>
    public int Crf { get; set; } = 23;

    /// <summary>Jobs transcoded at the same time (default one per two cores).</summary>
    public int Workers { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Attempts before a job that keeps failing for transient reasons is given up.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long a worker holds a job without a heartbeat; after a crash, the job is retried once it lapses.</summary>
    public TimeSpan JobLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first retry's delay after a transient error; it doubles with each attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often idle workers look for jobs queued by another process or due after a back-off.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest an ffprobe run may take before it is killed.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// An ffmpeg run may take this long plus <see cref="TranscodeTimePerSecond"/> for every second of video
    /// before it is killed.
    /// </summary>
    public TimeSpan TranscodeTimeoutBase { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Extra transcoding time allowed per second of video (default 4 s: a quarter of real time on a slow machine).</summary>
    public TimeSpan TranscodeTimePerSecond { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>The address-space limit of each ffmpeg or ffprobe process in MiB (default 3 GiB).</summary>
    public int ProcessMemoryMiB { get; set; } = 3072;

    /// <summary>The niceness ffmpeg runs at, so that transcoding yields to serving requests.</summary>
    public int Niceness { get; set; } = 10;

    /// <summary>The largest width or height accepted.</summary>
    public int MaxDimension { get; set; } = 8192;

    /// <summary>The most pixels per frame accepted (default 8K: 7680×4320).</summary>
    public long MaxPixels { get; set; } = 7680L * 4320;

    /// <summary>The highest source frame rate accepted.</summary>
    public double MaxSourceFrameRate { get; set; } = 240;

    /// <summary>The HLS segment length in seconds; keyframes are forced at this interval.</summary>
    public int SegmentSeconds { get; set; } = 2;

    /// <summary>How long a resumable upload may take from creation to its last byte.</summary>
    public TimeSpan UploadExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The default ladder: 720p up to 60 fps, 360p up to 30 fps.</summary>
    public static List<LadderRung> DefaultLadder =>
    [
        new() { ShortSide = 720, MaxFrameRate = 60, MaxVideoKbps = 3000, AudioKbps = 128 },
        new() { ShortSide = 360, MaxFrameRate = 30, MaxVideoKbps = 900, AudioKbps = 96 },
    ];

    /// <summary>The ladder in force: the configured one, or the default when none is configured.</summary>
    public IReadOnlyList<LadderRung> EffectiveLadder => Ladder.Count > 0 ? [.. Ladder.OrderByDescending(r => r.ShortSide)] : DefaultLadder;

    /// <summary>Problems with these settings, as sentences for the operator; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        List<string> problems = [];
        if (MaxUploadBytes is <= 0 or > MaxUploadCeiling)
        {
            problems.Add("Media:MaxUploadBytes must be positive and at most 1 TiB.");
        }

        if (MaxDuration <= TimeSpan.Zero)
        {
            problems.Add("Media:MaxDuration must be positive.");
        }

        if (Workers is < 1 or > 64)
        {
            problems.Add("Media:Workers is between 1 and 64.");
        }

        if (MaxAttempts < 1)
        {
            problems.Add("Media:MaxAttempts must be at least 1.");
        }

        if (JobLease < TimeSpan.FromSeconds(1) || PollInterval <= TimeSpan.Zero || RetryDelay < TimeSpan.Zero)
        {
            problems.Add("Media:JobLease must be at least a second, Media:PollInterval positive and Media:RetryDelay not negative.");
        }

        if (Crf is < 0 or > 51 || string.IsNullOrWhiteSpace(Preset) || !Preset.All(char.IsAsciiLetterLower))
        {
            problems.Add("Media:Crf is between 0 and 51 and Media:Preset is an x264 preset name such as veryfast.");
        }

        if (SegmentSeconds is < 1 or > 10)
        {
            problems.Add("Media:SegmentSeconds is between 1 and 10.");
        }

        if (ProcessMemoryMiB < 256 || Niceness is < 0 or > 19)
        {
            problems.Add("Media:ProcessMemoryMiB is at least 256 and Media:Niceness between 0 and 19.");
        }

        foreach (var rung in EffectiveLadder)
        {
            if (rung.ShortSide is < 64 or > 4320 || rung.ShortSide % 2 != 0 || rung.MaxFrameRate is < 1 or > 120 || rung.EffectiveMaxVideoKbps is < 50 or > 100_000 || rung.AudioKbps is < 32 or > 320)
            {
                problems.Add($"Media:Ladder rung {rung.ShortSide}p: the short side is even and 64–4320, the frame rate 1–120, video 50–100000 kbit/s, audio 32–320 kbit/s.");
            }
        }

        if (EffectiveLadder.Select(r => r.ShortSide).Distinct().Count() != EffectiveLadder.Count)
        {
            problems.Add("Media:Ladder has two rungs of the same size.");
        }

        return problems;
    }
}
