using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Reeltime.Media.Probing;
using Reeltime.Media.Tools;
using Reeltime.Media.Transcoding;

namespace Reeltime.Media.Tests;

/// <summary>The pipeline with a small ladder (the point of most tests is not resolution), in a folder of its own.</summary>
public sealed class TestPipeline : IDisposable
{
    public TestPipeline(Action<MediaOptions>? configure = null)
    {
        Options = Small();
        configure?.Invoke(Options);
        Folder = Directory.CreateTempSubdirectory("reeltime-media-test-").FullName;
        Pipeline = new MediaPipeline(new MediaProcess(Options), Microsoft.Extensions.Options.Options.Create(Options), NullLogger<MediaPipeline>.Instance);
    }

    public MediaOptions Options { get; }

    public string Folder { get; }

    public MediaPipeline Pipeline { get; }

    /// <summary>Options with a two-rung ladder of 240p and 120p.</summary>
    public static MediaOptions Small() => new()
    {
        Ladder =
        [
            new LadderRung { ShortSide = 240, MaxFrameRate = 60, MaxVideoKbps = 600, AudioKbps = 64 },
            new LadderRung { ShortSide = 120, MaxFrameRate = 30, MaxVideoKbps = 200, AudioKbps = 48 },
        ],
        Preset = "superfast",
        Workers = 2,
    };

    /// <summary>Copies the clip into the working folder as the source, then runs the pipeline on it.</summary>
    public async Task<TranscodeResult> RunAsync(string clip)
    {
        var source = Path.Combine(Folder, FfmpegCommands.SourceName);
        File.Copy(clip, source, overwrite: true);
        return await Pipeline.TranscodeAsync(source, Folder, null, CancellationToken.None);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>Probes a file with plain ffprobe (no limits: this is the test's own look).</summary>
    public static async Task<MediaProbe> ProbeAsync(string path)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-show_format", "-show_streams", "-of", "json", path })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return ProbeReport.Parse(output) ?? throw new InvalidOperationException($"ffprobe could not read {path}");
    }

    /// <summary>The top-level box types of an ISO media file, in order.</summary>
    public static List<string> TopLevelBoxes(string path)
    {
        List<string> boxes = [];
        using var file = File.OpenRead(path);
        Span<byte> header = stackalloc byte[16];
        while (file.Position + 8 <= file.Length)
        {
            var start = file.Position;
            file.ReadExactly(header[..8]);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            boxes.Add(System.Text.Encoding.ASCII.GetString(header.Slice(4, 4)));
            if (size == 1)
            {
                file.ReadExactly(header.Slice(8, 8));
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header.Slice(8, 8));
            }
            else if (size == 0)
            {
                break;
            }

            file.Position = start + size;
        }

        return boxes;
    }
}
