using Microsoft.Extensions.Options;
using Reeltime.Media.Tools;

namespace Reeltime.Media.Jobs;

/// <summary>
/// Whether ffmpeg and ffprobe are there with what the pipeline needs. Success is remembered for the life of
/// the process; a problem is looked at again at most once every <see cref="RecheckInterval"/>, so that an
/// operator who installs ffmpeg (or fixes Media:Ffmpeg's target) is noticed without a restart.
/// </summary>
public sealed class MediaToolCheck(MediaProcess processes, IOptions<MediaOptions> options, TimeProvider clock) : IDisposable
{
    /// <summary>How long a problem is believed before the tools are looked at again.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMinutes(1);

    private static readonly string[] Encoders = ["libx264", "aac", "mjpeg", "libwebp"];

    // One look at a time: the health endpoint and the worker ask together at start-up.
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile bool ready;
    private string? lastProblem;
    private long? lastLook;

    /// <summary>Why media cannot be processed, as a sentence for the operator; null when all is well.</summary>
    public async Task<string?> ProblemAsync(CancellationToken cancellationToken = default)
    {
        if (ready)
        {
            return null;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            if (ready)
            {
                return null;
            }

            if (lastLook is { } at && clock.GetElapsedTime(at) < RecheckInterval)
            {
                return lastProblem;
            }

            lastProblem = await FindProblemAsync(processes, options.Value);
            lastLook = clock.GetTimestamp();
            ready = lastProblem is null;
            return lastProblem;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Releases the gate; the container calls it when the server stops.</summary>
    public void Dispose() => gate.Dispose();

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
