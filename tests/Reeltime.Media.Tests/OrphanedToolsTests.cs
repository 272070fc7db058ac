using System.Diagnostics;
using Reeltime.Media.Tools;

namespace Reeltime.Media.Tests;

/// <summary>Ending the ffmpeg a killed server left behind, on real ffmpeg processes.</summary>
public sealed class OrphanedToolsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("reeltime-orphans-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task Only_ffmpeg_working_in_this_scratch_folder_is_killed()
    {
        var scratch = Path.Combine(root, "media-work");
        var elsewhere = Path.Combine(root, "media-work-of-another-server");
        using var orphan = Endless(Directory.CreateDirectory(Path.Combine(scratch, "job-7-1")).FullName);
        using var neighbour = Endless(Directory.CreateDirectory(Path.Combine(elsewhere, "job-7-1")).FullName);
        try
        {
            await Task.Delay(300);
            Assert.Equal([orphan.Id], OrphanedTools.Find(scratch, ["ffmpeg"]));
            Assert.Equal([orphan.Id], OrphanedTools.Kill(scratch, ["ffmpeg", "ffprobe"]));
            Assert.True(orphan.WaitForExit(5000), "the orphan still runs");
            Assert.False(neighbour.HasExited);
            Assert.Empty(OrphanedTools.Find(scratch, ["ffmpeg"]));
        }
        finally
        {
            neighbour.Kill();
            orphan.Kill();
        }
    }

    // An ffmpeg that runs until killed, in the folder given, with paths relative to it as the pipeline's are.
    private static Process Endless(string folder)
    {
        var start = new ProcessStartInfo("ffmpeg") { WorkingDirectory = folder, UseShellExecute = false, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[] { "-hide_banner", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc2=s=64x64:r=5", "-f", "null", "-" })
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }
}
