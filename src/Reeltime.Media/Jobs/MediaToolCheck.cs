using Microsoft.Extensions.Options;
using Reeltime.Media.Tools;

namespace Reeltime.Media.Jobs;

/// <summary>Whether ffmpeg and ffprobe are there with what the pipeline needs; checked once at start-up.</summary>
public sealed class MediaToolCheck(MediaProcess processes, IOptions<MediaOptions> options)
{
    private static readonly string[] Encoders = ["libx264", "aac", "mjpeg", "libwebp"];
    private readonly Lazy<Task<string?>> problem = new(() => FindProblemAsync(processes, options.Value));

    /// <summary>Why media cannot be processed, as a sentence for the operator; null when all is well.</summary>
    public Task<string?> ProblemAsync() => problem.Value;

    private static async Task<string?> FindProblemAsync(MediaProcess processes, MediaOptions options)
    {
        var folder = Path.GetTempPath();
        try
        {
            var probe = await processes.RunAsync(options.Ffprobe, ["-hide_banner", "-version"], TimeSpan.FromSeconds(15), folder, null, CancellationToken.None);
            if (!probe.Succeeded)
            {
                return $"ffprobe ('{options.Ffprobe}') does not run: install ffmpeg (apt-get install ffmpeg) or set Media:Ffprobe.";
            }

            var encoders = await processes.RunAsync(options.Ffmpeg, ["-hide_banner", "-encoders"], TimeSpan.FromSeconds(15), folder, null, CancellationToken.None);
            if (!encoders.Succeeded)
            {
                return $"ffmpeg ('{options.Ffmpeg}') does not run: install ffmpeg (apt-get install ffmpeg) or set Media:Ffmpeg.";
            }

            var missing = Encoders.Where(e => !encoders.Output.Split('\n').Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == e)).ToList();
            return missing.Count > 0
                ? $"ffmpeg ('{options.Ffmpeg}') lacks the encoders {string.Join(", ", missing)}: install a build with them (Debian's ffmpeg has them)."
                : !MediaProcess.Limited ? "prlimit and nice (util-linux, coreutils) are missing: ffmpeg would run without memory and CPU limits." : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return $"ffmpeg or ffprobe ('{options.Ffmpeg}', '{options.Ffprobe}') was not found: install ffmpeg (apt-get install ffmpeg) or set Media:Ffmpeg and Media:Ffprobe.";
        }
    }
}
