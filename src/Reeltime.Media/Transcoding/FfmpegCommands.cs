using System.Globalization;
using System.Text;
using Reeltime.Media.Probing;

namespace Reeltime.Media.Transcoding;

/// <summary>
/// The one place that knows ffmpeg's and ffprobe's command lines. Every input is opened with the file
/// protocol only, through the one demuxer the sniffer chose (so no playlist, concat list or image sequence
/// demuxer is ever reached), and every path is one this room chose (the upload's own name never appears).
/// </summary>
public static class FfmpegCommands
{
    /// <summary>
    /// HDR (PQ or HLG, BT.2020) to ordinary BT.709 video: to linear light with SDR white at 100 nits, to
    /// BT.709 primaries, highlights rolled off smoothly (Möbius keeps the in-range picture nearly as it was,
    /// where Hable darkens it), then BT.709's curve and matrix. Done after scaling, on the rung's own size,
    /// which is far cheaper than once on a 4K source. Without it a phone's HDR video plays dim and grey, and
    /// its poster worse.
    /// </summary>
    private const string ToStandardDynamicRange =
        "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:desat=0,zscale=t=bt709:m=bt709:r=tv";

    /// <summary>The fixed name of the source file in a job's working folder.</summary>
    public const string SourceName = "source";

    /// <summary>Options that lock an input down: file protocol only, one named demuxer, no external references.</summary>
    public static IEnumerable<string> SafeInput(ContainerFormat container, string path)
    {
        yield return "-protocol_whitelist";
        yield return "file";
        yield return "-format_whitelist";
        yield return "mov,matroska";
        yield return "-f";
        yield return container == ContainerFormat.Mp4 ? "mov" : "matroska";
        if (container == ContainerFormat.Mp4)
        {
            // QuickTime data references can point at other files; they are off by default, and stay off.
            yield return "-enable_drefs";
            yield return "0";
        }

        yield return "-i";
        yield return "file:" + path;
    }

    /// <summary>ffprobe: the container and streams as JSON.</summary>
    public static IReadOnlyList<string> Probe(ContainerFormat container, string path) =>
        ["-hide_banner", "-v", "error", .. SafeInput(container, path), "-show_format", "-show_streams", "-of", "json"];

    /// <summary>
    /// ffmpeg: every rung of the plan from one decode of the source (the picture is turned by its display
    /// matrix, resampled to a constant frame rate, scaled, tone-mapped if HDR, and encoded to H.264 High; the sound is loudness
    /// normalised, or silence is added), each an MP4 with its index in front. Progress goes to stdout.
    /// </summary>
    public static IReadOnlyList<string> Transcode(ContainerFormat container, string source, RenditionPlan plan, MediaOptions options)
    {
        List<string> args = ["-hide_banner", "-nostdin", "-y", "-v", "error", "-nostats", "-progress", "pipe:1", .. SafeInput(container, source)];
        var count = plan.Renditions.Count;
        var graph = new StringBuilder();
        // The streams the probe chose and the rules checked, by index: "the first video stream" could be a cover picture.
        var videoInput = plan.VideoStream >= 0 ? string.Create(CultureInfo.InvariantCulture, $"0:{plan.VideoStream}") : "0:v:0";
        var audioInput = plan.AudioStream >= 0 ? string.Create(CultureInfo.InvariantCulture, $"0:{plan.AudioStream}") : "0:a:0";
        graph.Append(CultureInfo.InvariantCulture, $"[{videoInput}]split={count}");
        for (var i = 0; i < count; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[s{i}]");
        }

        for (var i = 0; i < count; i++)
        {
            var r = plan.Renditions[i];
            graph.Append(CultureInfo.InvariantCulture, $";[s{i}]fps={r.FrameRate},scale={r.Width}:{r.Height}:flags=bicubic,setsar=1,{(plan.ToneMap ? ToStandardDynamicRange + "," : "")}format=yuv420p[v{i}]");
        }

        if (plan.HasAudio)
        {
            graph.Append(CultureInfo.InvariantCulture, $";[{audioInput}]loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000");
        }
        else
        {
            // Players and HLS renditions expect a sound track: add silence of the video's length.
            args.AddRange(["-t", Seconds(plan.DurationSeconds), "-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]);
            graph.Append(";[1:a]anull");
        }

        graph.Append(CultureInfo.InvariantCulture, $",asplit={count}");
        for (var i = 0; i < count; i++)
        {
            graph.Append(CultureInfo.InvariantCulture, $"[a{i}]");
        }

        args.AddRange(["-filter_complex", graph.ToString()]);
        var keyframes = string.Create(CultureInfo.InvariantCulture, $"expr:gte(t,n_forced*{options.SegmentSeconds})");
        for (var i = 0; i < count; i++)
        {
            var r = plan.Renditions[i];
            args.AddRange([
                "-map", $"[v{i}]", "-map", $"[a{i}]",
                "-c:v", "libx264", "-preset", options.Preset, "-profile:v", "high", "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
                "-maxrate", Kbps(r.MaxVideoKbps), "-bufsize", Kbps(r.MaxVideoKbps * 2), "-force_key_frames", keyframes,
                "-c:a", "aac", "-b:a", Kbps(r.AudioKbps), "-ac", "2", "-ar", "48000",
                // Phones put the place a video was shot in its metadata: none of it is carried over.
                "-map_metadata", "-1", "-map_chapters", "-1",
                "-movflags", "+faststart", "-f", "mp4", "file:" + r.FileName,
            ]);
        }

        return args;
    }

    /// <summary>ffmpeg: each MP4 rendition re-packaged, without re-encoding, as an HLS rendition of fMP4 segments.</summary>
    public static IReadOnlyList<string> Hls(RenditionPlan plan, MediaOptions options)
    {
        List<string> args = ["-hide_banner", "-nostdin", "-y", "-v", "error"];
        foreach (var r in plan.Renditions)
        {
            args.AddRange(SafeInput(ContainerFormat.Mp4, r.FileName));
        }

        for (var i = 0; i < plan.Renditions.Count; i++)
        {
            var r = plan.Renditions[i];
            var index = i.ToString(CultureInfo.InvariantCulture);
            args.AddRange([
                "-map", index + ":v:0", "-map", index + ":a:0", "-c", "copy",
                "-f", "hls", "-hls_time", options.SegmentSeconds.ToString(CultureInfo.InvariantCulture), "-hls_playlist_type", "vod",
                "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments", "-hls_fmp4_init_filename", "init.mp4",
                "-hls_segment_filename", r.HlsFolder + "/seg_%03d.m4s", r.HlsFolder + "/index.m3u8",
            ]);
        }

        return args;
    }

    /// <summary>
    /// ffmpeg: the poster, JPEG and WebP, from the most representative of the frames (ffmpeg's thumbnail
    /// filter: the frame closest to their average) in a window a little way into the video, past fades in.
    /// </summary>
    public static IReadOnlyList<string> Poster(string rendition, double durationSeconds, double frameRate)
    {
        var start = Math.Min(durationSeconds * 0.3, 3.0);
        var frames = Math.Clamp((int)Math.Round(frameRate * 2), 1, 120);
        return
        [
            "-hide_banner", "-nostdin", "-y", "-v", "error", "-ss", Seconds(start), .. SafeInput(ContainerFormat.Mp4, rendition),
            "-filter_complex", string.Create(CultureInfo.InvariantCulture, $"[0:v:0]thumbnail=n={frames},split=2[p0][p1]"),
            "-map", "[p0]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1", "file:poster.jpg",
            "-map", "[p1]", "-frames:v", "1", "-c:v", "libwebp", "-quality", "80", "-f", "webp", "file:poster.webp",
        ];
    }

    /// <summary>The first progress value of an ffmpeg <c>-progress</c> line (microseconds of output written), or null.</summary>
    public static long? ProgressMicroseconds(string line) =>
        line.StartsWith("out_time_us=", StringComparison.Ordinal) && long.TryParse(line.AsSpan("out_time_us=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string Kbps(int kbps) => kbps.ToString(CultureInfo.InvariantCulture) + "k";

    private static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}
