using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Reeltime.Media;
using Reeltime.Media.Probing;
using Reeltime.Media.Tools;
using Reeltime.Media.Transcoding;

namespace Reeltime.Cli;

/// <summary>
/// The media pipeline's wall time on 30 s 1080×1920 30 fps clips (H.264 and HEVC) against the bare ffmpeg
/// commands that make the same files, and its throughput in clips per minute at the default concurrency.
/// </summary>
internal static class MediaBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var seconds = options.Int("seconds", 30);
        var runs = options.Int("runs", 2);
        var folder = options.String("work") ?? Path.Combine(Path.GetTempPath(), "reeltime-bench-media");
        Directory.CreateDirectory(folder);
        var settings = new MediaOptions();
        var pipeline = new MediaPipeline(new MediaProcess(settings), Microsoft.Extensions.Options.Options.Create(settings), NullLogger<MediaPipeline>.Instance);
        var store = new LocalDiskObjectStore(Path.Combine(folder, "store"));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"media bench: {seconds} s 1080x1920 30 fps clips, ladder {string.Join(" + ", settings.EffectiveLadder.Select(r => r.ShortSide + "p"))}, preset {settings.Preset}, {Environment.ProcessorCount} cores, {runs} runs each"));
        Console.WriteLine("| source | pipeline (s) | bare ffmpeg (s) | ratio |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        string? h264 = null;
        foreach (var kind in new[] { "H.264", "HEVC", "HEVC 10-bit HLG (phone HDR)" })
        {
            var clip = await MakeClipAsync(folder, seconds, kind);
            h264 ??= clip;
            List<double> piped = [], bare = [];
            for (var run = 0; run < runs; run++)
            {
                // Alternate the order so that neither side always runs on a warmer cache.
                if (run % 2 == 0)
                {
                    piped.Add(await PipelineAsync(pipeline, store, clip));
                    bare.Add(await BareAsync(settings, clip));
                }
                else
                {
                    bare.Add(await BareAsync(settings, clip));
                    piped.Add(await PipelineAsync(pipeline, store, clip));
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {kind} | {piped.Average():0.00} | {bare.Average():0.00} | {piped.Average() / bare.Average():0.000} |"));
        }

        var clips = Math.Max(settings.Workers * 2, 3);
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, clips), new ParallelOptions { MaxDegreeOfParallelism = settings.Workers }, async (_, _) => await PipelineAsync(pipeline, store, h264!));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput: {clips / watch.Elapsed.TotalMinutes:0.0} clips/min ({clips} H.264 clips, {settings.Workers} at a time, {watch.Elapsed.TotalSeconds:0.0} s)"));
        return 0;
    }

    // What a job does: copy the source in, run the pipeline, publish every file to the store.
    private static async Task<double> PipelineAsync(MediaPipeline pipeline, LocalDiskObjectStore store, string clip)
    {
        var work = Directory.CreateTempSubdirectory("job-").FullName;
        try
        {
            var watch = Stopwatch.StartNew();
            var source = Path.Combine(work, FfmpegCommands.SourceName);
            File.Copy(clip, source);
            var result = await pipeline.TranscodeAsync(source, work, null, CancellationToken.None);
            if (result.Refusal is { } refusal)
            {
                throw new InvalidOperationException("The bench clip was refused: " + refusal.Reason);
            }

            foreach (var file in result.Files)
            {
                await store.ImportAsync("bench/" + file.Name, file.Path, CancellationToken.None);
            }

            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // The same files from the same ffmpeg commands, run one after another with nothing around them.
    private static async Task<double> BareAsync(MediaOptions settings, string clip)
    {
        var work = Directory.CreateTempSubdirectory("bare-").FullName;
        try
        {
            var source = Path.Combine(work, FfmpegCommands.SourceName);
            File.Copy(clip, source);
            var probe = ProbeReport.Parse(await RunAsync("ffprobe", FfmpegCommands.Probe(ContainerFormat.Mp4, FfmpegCommands.SourceName), work))!;
            var plan = RenditionPlan.Create(probe, settings);
            foreach (var r in plan.Renditions)
            {
                Directory.CreateDirectory(Path.Combine(work, r.HlsFolder));
            }

            var watch = Stopwatch.StartNew();
            await RunAsync("ffmpeg", FfmpegCommands.Transcode(ContainerFormat.Mp4, FfmpegCommands.SourceName, plan, settings), work);
            await RunAsync("ffmpeg", FfmpegCommands.Hls(plan, settings), work);
            await RunAsync("ffmpeg", FfmpegCommands.Poster(plan.Renditions[0].FileName, plan.DurationSeconds, ProbeReport.Rate(plan.Renditions[0].FrameRate)), work);
            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<string> MakeClipAsync(string folder, int seconds, string kind)
    {
        // A moving test pattern with grain: closer to what a phone camera gives an encoder than flat colour.
        const string Grain = "noise=alls=12:allf=t";
        var (name, filter, encode) = kind switch
        {
            "H.264" => ("h264", Grain, (string[])["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]),
            "HEVC" => ("hevc", Grain, ["-c:v", "libx265", "-preset", "veryfast", "-x265-params", "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p"]),

            // What phones record by default: 10-bit HEVC, BT.2020, the HLG curve (tone-mapped by the pipeline).
            _ => ("hlg", Grain + ",format=gbrpf32le,zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=arib-std-b67:p=bt2020:m=bt2020nc:r=tv:npl=100,format=yuv420p10le",
                ["-c:v", "libx265", "-preset", "veryfast", "-x265-params", "log-level=error", "-tag:v", "hvc1",
                 "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc"]),
        };
        var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{name}-1080x1920-{seconds}s.mp4"));
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"making {path} …");
            await RunAsync("ffmpeg", [
                "-hide_banner", "-nostdin", "-y", "-v", "error",
                "-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"testsrc2=s=1080x1920:r=30:d={seconds}"),
                "-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"sine=frequency=440:sample_rate=48000:duration={seconds}"),
                "-vf", filter, .. encode, "-b:v", "8M", "-c:a", "aac", "-b:a", "128k", path + ".part.mp4",
            ], folder);
            File.Move(path + ".part.mp4", path);
        }

        return path;
    }

    private static async Task<string> RunAsync(string tool, IReadOnlyList<string> arguments, string folder)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"{tool} failed: {await errors}");
    }
}
