using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Reeltime.Media.Tests;

/// <summary>
/// Test clips made by ffmpeg during the test run and cached in the temp folder under a hash of the commands
/// that made them, so that a second run (or another test) reuses them.
/// </summary>
public static class Clips
{
    private static readonly string Cache = Path.Combine(Path.GetTempPath(), "reeltime-test-clips");
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly string[] Quiet = ["-hide_banner", "-nostdin", "-y", "-v", "error"];

    public static Task<string> PortraitAsync() => MakeAsync("portrait.mp4", Video("360x640", 30, 2), Tone(2), ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    public static Task<string> LandscapeAsync() => MakeAsync("landscape.mp4", Video("640x360", 30, 2), Tone(2), ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    public static Task<string> SquareAsync() => MakeAsync("square.mov", Video("480x480", 25, 2), Tone(2), ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    /// <summary>A landscape recording whose display matrix turns it a quarter: it displays as portrait 360×640.</summary>
    public static async Task<string> RotatedAsync()
    {
        var landscape = await LandscapeAsync();
        return await DeriveAsync("rotated.mp4", ["-i", landscape, "-c", "copy", "-metadata:s:v:0", "rotate=90"]);
    }

    /// <summary>The portrait clip in Matroska behind a one-frame 300×300 cover track, which comes first.</summary>
    public static async Task<string> CoveredAsync()
    {
        var portrait = await PortraitAsync();
        return await DeriveAsync("covered.mkv", [
            "-f", "lavfi", "-i", "color=c=red:s=300x300:r=25:d=0.04", "-i", portrait,
            "-map", "0:v", "-map", "1:v", "-map", "1:a", "-c:v:0", "mjpeg", "-c:v:1", "copy", "-c:a", "copy"]);
    }

    public static Task<string> HevcAsync() => MakeAsync("hevc.mp4", Video("360x640", 30, 2), Tone(2), ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    public static Task<string> Vp9Async() => MakeAsync("vp9.webm", Video("640x360", 30, 2), Tone(2), ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus"]);

    public static Task<string> SilentAsync() => MakeAsync("silent.mp4", Video("320x568", 30, 1), null, ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]);

    public static Task<string> SixtyFpsAsync() => MakeAsync("sixty.mp4", Video("640x360", 60, 1), Tone(1), ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    /// <summary>Variable frame rate: 30 frames a second for the first second, then a third of that.</summary>
    public static Task<string> VariableFrameRateAsync() => MakeAsync("vfr.mp4", Video("360x640", 30, 3), Tone(3),
        ["-vf", "select='lt(n\\,30)+not(mod(n\\,3))'", "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    public static Task<string> HalfSecondAsync() => MakeAsync("half.mp4", Video("360x640", 30, 0.5), Tone(0.5), ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    /// <summary>
    /// A phone's HDR recording of the portrait clip: 10-bit HEVC in BT.2020 with the PQ (<c>smpte2084</c>) or
    /// HLG (<c>arib-std-b67</c>) curve, its picture the very one of <see cref="PortraitAsync"/> with SDR white at 100 nits.
    /// </summary>
    public static Task<string> HdrAsync(string transfer) => MakeAsync($"hdr-{transfer}.mp4", Video("360x640", 30, 2), Tone(2),
    [
        "-vf", $"format=gbrpf32le,zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t={transfer}:p=bt2020:m=bt2020nc:r=tv:npl=100,format=yuv420p10le",
        "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1",
        "-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc", "-c:a", "aac",
    ]);

    /// <summary>The picture's mean brightness and colourfulness (ffmpeg's signalstats YAVG and SATAVG, 8-bit scale) over its first second.</summary>
    public static async Task<(double Brightness, double Saturation)> PictureStatsAsync(string path)
    {
        var output = await RunFfmpegAsync("-t", "1", "-i", path, "-vf", "format=yuv420p,signalstats,metadata=print:file=-", "-f", "null", "-");
        static double Mean(string text, string key) => text.Split('\n')
            .Where(l => l.StartsWith(key, StringComparison.Ordinal))
            .Select(l => double.Parse(l.AsSpan(key.Length), System.Globalization.CultureInfo.InvariantCulture))
            .Average();
        return (Mean(output, "lavfi.signalstats.YAVG="), Mean(output, "lavfi.signalstats.SATAVG="));
    }

    /// <summary>Half a second at 96×96 in H.264/AAC MP4, for tests that run many copies.</summary>
    public static Task<string> TinyAsync() => MakeAsync("tiny.mp4", Video("96x96", 15, 0.5), Tone(0.5), ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    /// <summary>Half a second at 96×96 in VP9/Opus WebM.</summary>
    public static Task<string> TinyVp9Async() => MakeAsync("tiny.webm", Video("96x96", 15, 0.5), Tone(0.5), ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "100k", "-c:a", "libopus"]);

    /// <summary>Just over the default ten-minute limit: tiny and one frame a second, so it is cheap to make.</summary>
    public static Task<string> OverTenMinutesAsync() => MakeAsync("long.mp4", ["-f", "lavfi", "-i", "color=c=gray:s=64x64:r=2:d=600.5"], null, ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]);

    /// <summary>A clip for the bench: <paramref name="size"/>, 30 fps, with sound, in H.264 or HEVC.</summary>
    public static Task<string> BenchAsync(string size, double seconds, bool hevc) => MakeAsync(hevc ? "bench-hevc.mp4" : "bench.mp4", Video(size, 30, seconds), Tone(seconds),
        hevc ? ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-c:a", "aac"] : ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac"]);

    /// <summary>Runs ffmpeg (for tests: no limits) and returns what it printed; fails the test with its error output if it fails.</summary>
    public static async Task<string> RunFfmpegAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in Quiet.Concat(arguments))
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} failed: {await errors}");
        }

        return output;
    }

    private static string[] Video(string size, int rate, double seconds) =>
        ["-f", "lavfi", "-i", FormattableString.Invariant($"testsrc2=s={size}:r={rate}:d={seconds}")];

    private static string[] Tone(double seconds) =>
        ["-f", "lavfi", "-i", FormattableString.Invariant($"sine=frequency=440:sample_rate=48000:duration={seconds}")];

    private static Task<string> MakeAsync(string name, string[] video, string[]? audio, string[] encode) =>
        DeriveAsync(name, [.. video, .. audio ?? [], .. encode]);

    private static async Task<string> DeriveAsync(string name, string[] arguments)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', arguments))))[..16];
        var path = Path.Combine(Cache, $"{Path.GetFileNameWithoutExtension(name)}-{key}{Path.GetExtension(name)}");
        if (File.Exists(path))
        {
            return path;
        }

        await Gate.WaitAsync();
        try
        {
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(Cache);
                var temp = path + ".part" + Path.GetExtension(name);
                await RunFfmpegAsync([.. arguments, temp]);
                File.Move(temp, path, overwrite: true);
            }

            return path;
        }
        finally
        {
            Gate.Release();
        }
    }
}
