using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Reeltime.Media.Probing;
using Reeltime.Media.Tools;

namespace Reeltime.Media.Transcoding;

/// <summary>A file the pipeline made, ready to publish under the video's media.</summary>
/// <param name="Name">The name under the video's media, e.g. "video.mp4", "hls/720p/seg_000.m4s".</param>
/// <param name="Path">Where it is on local disk.</param>
/// <param name="ContentType">Its MIME type.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Width">Picture width (0 for playlists and segments).</param>
/// <param name="Height">Picture height (0 for playlists and segments).</param>
/// <param name="BitsPerSecond">Average bit rate of a playable MP4; 0 otherwise.</param>
public sealed record RenditionFile(string Name, string Path, string ContentType, long Bytes, int Width, int Height, long BitsPerSecond)
{
    /// <summary>Whether the file is one a player asks for by name (not a segment or a rendition's own playlist).</summary>
    public bool IsEntryPoint => !Name.StartsWith("hls/", StringComparison.Ordinal) || Name == "hls/master.m3u8";
}

/// <summary>What became of a source: a refusal, or the renditions with what was learned of the video.</summary>
public sealed record TranscodeResult(MediaRefusal? Refusal, IReadOnlyList<RenditionFile> Files, int DurationMs, int Width, int Height)
{
    /// <summary>A refusal with no files.</summary>
    public static TranscodeResult Refused(string reason) => new(new MediaRefusal(reason), [], 0, 0, 0);
}

/// <summary>A failure worth retrying: a tool that would not start, a full disk, a store that did not answer.</summary>
public sealed class TransientMediaException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>
/// Turns one untrusted source file into web renditions: sniff the container, probe it with ffprobe, check
/// the probe, transcode every rung in one ffmpeg run, check the result, package HLS, make the poster, and
/// write the HLS master playlist. Works in a folder of its own; knows nothing of jobs or the database.
/// </summary>
public sealed class MediaPipeline(MediaProcess processes, IOptions<MediaOptions> options, ILogger<MediaPipeline> logger)
{
    private readonly MediaOptions settings = options.Value;

    /// <summary>Renditions of <paramref name="source"/> (which must be inside <paramref name="folder"/>), written into <paramref name="folder"/>.</summary>
    public async Task<TranscodeResult> TranscodeAsync(string source, string folder, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var sourceName = Path.GetRelativePath(folder, source);
        var (container, sniffRefusal) = await ContainerSniffer.SniffFileAsync(source, cancellationToken);
        if (sniffRefusal is not null)
        {
            return new TranscodeResult(sniffRefusal, [], 0, 0, 0);
        }

        var probed = await RunAsync(settings.Ffprobe, FfmpegCommands.Probe(container!.Value, sourceName), settings.ProbeTimeout, folder, null, cancellationToken);
        if (probed.TimedOut)
        {
            return TranscodeResult.Refused("The file took too long to read; it is damaged or not a video we accept.");
        }

        var probe = probed.Succeeded ? ProbeReport.Parse(probed.Output) : null;
        if (probe is null)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Probe refused the source: {Error}", probed.ErrorTail);
            }

            return TranscodeResult.Refused("The file is damaged or incomplete, or is not a video we can read.");
        }

        if (IntakeRules.Check(probe, container.Value, settings) is { } refusal)
        {
            return new TranscodeResult(refusal, [], 0, 0, 0);
        }

        var plan = RenditionPlan.Create(probe, settings);
        progress?.Report(5);
        var duration = plan.DurationSeconds;
        var lastReported = 5;
        var transcoded = await RunAsync(
            settings.Ffmpeg,
            FfmpegCommands.Transcode(container.Value, sourceName, plan, settings),
            settings.TranscodeTimeoutBase + (settings.TranscodeTimePerSecond * duration),
            folder,
            line =>
            {
                if (FfmpegCommands.ProgressMicroseconds(line) is { } done && duration > 0)
                {
                    var percent = 5 + (int)Math.Clamp(done / 1e6 / duration * 85, 0, 85);
                    if (percent >= lastReported + 5)
                    {
                        lastReported = percent;
                        progress?.Report(percent);
                    }
                }
            },
            cancellationToken);
        if (Failed(transcoded, "transcode") is { } failure)
        {
            return failure;
        }

        // A damaged file often decodes "successfully" up to the damage: compare what came out with what the
        // header promised, so that a cut-off upload is refused rather than published shortened.
        List<(PlannedRendition Rendition, ProbedStream Video, double Duration)> made = [];
        foreach (var rendition in plan.Renditions)
        {
            var check = await RunAsync(settings.Ffprobe, FfmpegCommands.Probe(ContainerFormat.Mp4, rendition.FileName), settings.ProbeTimeout, folder, null, cancellationToken);
            var output = check.Succeeded ? ProbeReport.Parse(check.Output) : null;
            if (output?.Video is not { } video || output.Duration is not { } seconds)
            {
                return TranscodeResult.Refused("The video could not be decoded; the file is damaged.");
            }

            made.Add((rendition, video, seconds));
        }

        var shortfall = duration - made[0].Duration;
        if (shortfall > Math.Max(1.0, duration * 0.1))
        {
            return TranscodeResult.Refused(string.Create(CultureInfo.InvariantCulture,
                $"The file is damaged or incomplete: only {IntakeRules.Clock(made[0].Duration)} of its {IntakeRules.Clock(duration)} could be read."));
        }

        foreach (var rendition in plan.Renditions)
        {
            Directory.CreateDirectory(Path.Combine(folder, rendition.HlsFolder));
        }

        var packaged = await RunAsync(settings.Ffmpeg, FfmpegCommands.Hls(plan, settings), settings.TranscodeTimeoutBase, folder, null, cancellationToken);
        if (Failed(packaged, "HLS packaging") is { } packagingFailure)
        {
            return packagingFailure;
        }

        progress?.Report(93);
        var top = made[0];
        var poster = await RunAsync(settings.Ffmpeg, FfmpegCommands.Poster(top.Rendition.FileName, top.Duration, ProbeReport.Rate(top.Rendition.FrameRate)), settings.TranscodeTimeoutBase, folder, null, cancellationToken);
        if (Failed(poster, "poster") is { } posterFailure)
        {
            return posterFailure;
        }

        List<RenditionFile> files = [];
        List<HlsVariant> variants = [];
        foreach (var (rendition, video, seconds) in made)
        {
            var path = Path.Combine(folder, rendition.FileName);
            var bytes = new FileInfo(path).Length;
            files.Add(new RenditionFile(rendition.FileName, path, "video/mp4", bytes, video.Width, video.Height, (long)(bytes * 8 / Math.Max(seconds, 0.001))));

            var hlsFolder = Path.Combine(folder, rendition.HlsFolder);
            var playlist = await File.ReadAllTextAsync(Path.Combine(hlsFolder, "index.m3u8"), cancellationToken);
            var (peak, average) = HlsMasterPlaylist.Measure(playlist, name => new FileInfo(Path.Combine(hlsFolder, name)).Length);
            variants.Add(new HlsVariant(rendition.Label + "/index.m3u8", peak, average, HlsMasterPlaylist.Codecs(video.Profile, video.Level), video.Width, video.Height, video.FrameRate));
            foreach (var file in Directory.EnumerateFiles(hlsFolder).Order(StringComparer.Ordinal))
            {
                var name = rendition.HlsFolder + "/" + Path.GetFileName(file);
                files.Add(new RenditionFile(name, file, ContentTypeOf(name), new FileInfo(file).Length, 0, 0, 0));
            }
        }

        var master = Path.Combine(folder, "hls", "master.m3u8");
        await File.WriteAllTextAsync(master, HlsMasterPlaylist.Write(variants), cancellationToken);
        files.Add(new RenditionFile("hls/master.m3u8", master, ContentTypeOf(master), new FileInfo(master).Length, 0, 0, 0));
        foreach (var name in new[] { "poster.jpg", "poster.webp" })
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
            {
                return TranscodeResult.Refused("No picture could be taken from the video; the file is damaged.");
            }

            files.Add(new RenditionFile(name, path, ContentTypeOf(name), new FileInfo(path).Length, top.Video.Width, top.Video.Height, 0));
        }

        progress?.Report(97);
        return new TranscodeResult(null, files, (int)Math.Round(top.Duration * 1000), top.Video.Width, top.Video.Height);
    }

    /// <summary>The MIME type of a rendition file by its extension.</summary>
    public static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".mp4" => "video/mp4",
        ".m4s" => "video/iso.segment",
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".jpg" => "image/jpeg",
        ".webp" => "image/webp",
        _ => "application/octet-stream",
    };

    private TranscodeResult? Failed(ProcessOutcome outcome, string step)
    {
        if (outcome.Succeeded)
        {
            return null;
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("ffmpeg {Step} failed (exit {Exit}, timed out {TimedOut}): {Error}", step, outcome.ExitCode, outcome.TimedOut, outcome.ErrorTail);
        }

        if (outcome.ErrorTail.Contains("No space left on device", StringComparison.Ordinal))
        {
            throw new TransientMediaException("The disk is full.");
        }

        return outcome.TimedOut ? TranscodeResult.Refused("The video took too long to process.")
            : outcome.OutOfMemory ? TranscodeResult.Refused("The video needs more memory to decode than is allowed; the file is damaged or too demanding.")
            : TranscodeResult.Refused("The video could not be decoded; the file is damaged or incomplete.");
    }

    private async Task<ProcessOutcome> RunAsync(string tool, IReadOnlyList<string> arguments, TimeSpan timeout, string folder, Action<string>? onLine, CancellationToken cancellationToken)
    {
        try
        {
            return await processes.RunAsync(tool, arguments, timeout, folder, onLine, cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new TransientMediaException($"{tool} could not be started: {e.Message}", e);
        }
    }
}
