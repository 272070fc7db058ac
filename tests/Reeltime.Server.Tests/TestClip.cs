using System.Diagnostics;

namespace Reeltime.Server.Tests;

/// <summary>A real, tiny video (made once by ffmpeg and cached in the temp folder) for tests that need an upload to succeed.</summary>
public static class TestClip
{
    private static readonly string[] Quiet = ["-hide_banner", "-nostdin", "-y", "-v", "error"];

    private static readonly Lazy<Task<byte[]>> Clip = new(() => MakeAsync("reeltime-server-test-clip-v1.mp4",
        "-f", "lavfi", "-i", "testsrc2=s=160x284:r=15:d=1", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000:duration=1",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"));

    /// <summary>A one-second 160×284 H.264/AAC MP4.</summary>
    public static Task<byte[]> BytesAsync() => Clip.Value;

    /// <summary>Runs ffmpeg with the arguments and the output path last, unless the output is cached; returns its bytes.</summary>
    public static async Task<byte[]> MakeAsync(string name, params string[] arguments)
    {
        var path = Path.Combine(Path.GetTempPath(), name);
        if (!File.Exists(path))
        {
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".mp4";
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in Quiet.Concat(arguments).Append(temp))
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"ffmpeg could not make the test clip: {errors}");
            File.Move(temp, path, overwrite: true);
        }

        return await File.ReadAllBytesAsync(path);
    }
}
