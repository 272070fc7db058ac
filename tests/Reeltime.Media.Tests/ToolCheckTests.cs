using Microsoft.Extensions.Time.Testing;
using Reeltime.Media.Jobs;
using Reeltime.Media.Tools;

namespace Reeltime.Media.Tests;

/// <summary>The start-up check of ffmpeg and ffprobe, against the real tools appearing and disappearing.</summary>
public sealed class ToolCheckTests : IDisposable
{
    private readonly string bin = Directory.CreateTempSubdirectory("reeltime-tools-").FullName;

    public void Dispose() => Directory.Delete(bin, recursive: true);

    [Fact]
    public async Task Missing_ffmpeg_is_looked_for_again_after_a_minute_and_success_is_kept()
    {
        var ffmpeg = Path.Combine(bin, "ffmpeg");
        var options = new MediaOptions { Ffmpeg = ffmpeg };
        var clock = new FakeTimeProvider();
        var check = new MediaToolCheck(new MediaProcess(options), Microsoft.Extensions.Options.Options.Create(options), clock);
        Assert.Equal($"ffmpeg ('{ffmpeg}') does not run: install ffmpeg (apt-get install ffmpeg) or set Media:Ffmpeg.", await check.ProblemAsync());

        // The operator installs ffmpeg; within the minute the answer is the remembered one, after it the new one.
        File.CreateSymbolicLink(ffmpeg, "/usr/bin/ffmpeg");
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.NotNull(await check.ProblemAsync());
        clock.Advance(MediaToolCheck.RecheckInterval);
        Assert.Null(await check.ProblemAsync());

        // Once found, the tools are not run again on every ask (the worker and /health/ready ask often).
        File.Delete(ffmpeg);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Null(await check.ProblemAsync());
    }
}
