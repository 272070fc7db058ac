using Reeltime.Media.Transcoding;

namespace Reeltime.Media.Tests;

/// <summary>Real phone-like clips through the real pipeline: every one becomes a fast-starting H.264/AAC web video.</summary>
public sealed class PipelineTests
{
    private static readonly string[] Labels = ["240p", "120p"];

    public static TheoryData<string, string> Sources => new()
    {
        { "portrait", "portrait" },
        { "landscape", "landscape" },
        { "square", "square" },
        { "rotated", "portrait" },
        { "hevc", "portrait" },
        { "vp9", "landscape" },
        { "silent", "portrait" },
        { "sixty", "landscape" },
        { "vfr", "portrait" },
        { "half", "portrait" },
        { "hdr-pq", "portrait" },
        { "hdr-hlg", "portrait" },
        { "covered", "portrait" },
    };

    private static Task<string> ClipAsync(string name) => name switch
    {
        "portrait" => Clips.PortraitAsync(),
        "landscape" => Clips.LandscapeAsync(),
        "square" => Clips.SquareAsync(),
        "rotated" => Clips.RotatedAsync(),
        "hevc" => Clips.HevcAsync(),
        "vp9" => Clips.Vp9Async(),
        "silent" => Clips.SilentAsync(),
        "sixty" => Clips.SixtyFpsAsync(),
        "vfr" => Clips.VariableFrameRateAsync(),
        "half" => Clips.HalfSecondAsync(),
        "hdr-pq" => Clips.HdrAsync("smpte2084"),
        "hdr-hlg" => Clips.HdrAsync("arib-std-b67"),
        "covered" => Clips.CoveredAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Every_phone_video_becomes_a_fast_starting_web_video(string clip, string shape)
    {
        var source = await ClipAsync(clip);
        var sourceProbe = await TestPipeline.ProbeAsync(source);
        using var run = new TestPipeline();
        var result = await run.RunAsync(source);

        Assert.Null(result.Refusal);
        var mp4s = result.Files.Where(f => f.Name.EndsWith(".mp4", StringComparison.Ordinal) && !f.Name.StartsWith("hls/", StringComparison.Ordinal)).ToList();
        Assert.Equal("video.mp4", mp4s[0].Name);
        Assert.NotEmpty(mp4s);
        foreach (var file in mp4s)
        {
            var output = await TestPipeline.ProbeAsync(file.Path);
            var video = Assert.IsType<Probing.ProbedStream>(output.Video);
            Assert.Equal("h264", video.CodecName);
            Assert.Equal("High", video.Profile);
            Assert.Equal("yuv420p", video.PixelFormat);
            Assert.Equal("aac", output.Audio?.CodecName);
            Assert.True(video.Width % 2 == 0 && video.Height % 2 == 0, $"{file.Name} is {video.Width}×{video.Height}");
            Assert.Equal(0, video.Rotation);
            Assert.Equal(shape, video.Width > video.Height ? "landscape" : video.Width < video.Height ? "portrait" : "square");
            Assert.True(Math.Abs(output.Duration!.Value - sourceProbe.Duration!.Value) <= 0.1, $"{file.Name}: {output.Duration} s from a {sourceProbe.Duration} s source");
            var boxes = TestPipeline.TopLevelBoxes(file.Path);
            Assert.True(boxes.IndexOf("moov") >= 0 && boxes.IndexOf("moov") < boxes.IndexOf("mdat"), $"{file.Name} boxes: {string.Join(',', boxes)}");
            Assert.True(video.FrameRate <= (file.Name == "video.mp4" ? 60.01 : 30.01), $"{file.Name} runs at {video.FrameRate} fps");
        }

        Assert.Equal(mp4s[0].Width, result.Width);
        Assert.Equal(mp4s[0].Height, result.Height);
        Assert.InRange(result.DurationMs, (sourceProbe.Duration!.Value * 1000) - 100, (sourceProbe.Duration.Value * 1000) + 100);
        var jpeg = await File.ReadAllBytesAsync(result.Files.Single(f => f.Name == "poster.jpg").Path);
        Assert.True(jpeg.Length > 100 && jpeg[0] == 0xFF && jpeg[1] == 0xD8);
        var webp = await File.ReadAllBytesAsync(result.Files.Single(f => f.Name == "poster.webp").Path);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(webp, 0, 4));
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(webp, 8, 4));
        Assert.Contains(result.Files, f => f.Name == "hls/master.m3u8");
    }

    [Theory]
    [InlineData("smpte2084")]
    [InlineData("arib-std-b67")]
    public async Task A_phone_HDR_video_plays_as_ordinary_video_with_its_colours_and_brightness(string transfer)
    {
        var source = await Clips.HdrAsync(transfer);
        Assert.True((await TestPipeline.ProbeAsync(source)).Video!.HighDynamicRange);
        using var run = new TestPipeline();
        var result = await run.RunAsync(source);
        Assert.Null(result.Refusal);

        // The same picture made in SDR is the reference. Left as it was, the HDR signal shown on an ordinary
        // screen keeps about a quarter (PQ) to a third (HLG) of the colour; tone-mapped, most of it.
        var reference = await Clips.PictureStatsAsync(await Clips.PortraitAsync());
        foreach (var file in result.Files.Where(f => f.Name.StartsWith("video", StringComparison.Ordinal)))
        {
            var video = (await TestPipeline.ProbeAsync(file.Path)).Video!;
            Assert.Equal("bt709", video.ColorTransfer);
            Assert.False(video.HighDynamicRange);
            var stats = await Clips.PictureStatsAsync(file.Path);
            Assert.True(stats.Saturation >= 0.7 * reference.Saturation, $"{file.Name}: saturation {stats.Saturation:F1} against {reference.Saturation:F1}");
            Assert.InRange(stats.Brightness, 0.75 * reference.Brightness, 1.1 * reference.Brightness);
        }
    }

    [Fact]
    public async Task The_ladder_keeps_the_aspect_caps_the_frame_rate_and_never_upscales()
    {
        using var run = new TestPipeline();
        var result = await run.RunAsync(await Clips.SixtyFpsAsync());
        Assert.Null(result.Refusal);
        var top = await TestPipeline.ProbeAsync(result.Files.Single(f => f.Name == "video.mp4").Path);
        var low = await TestPipeline.ProbeAsync(result.Files.Single(f => f.Name == "video-120p.mp4").Path);
        Assert.Equal((426, 240), (top.Video!.Width, top.Video.Height));
        Assert.Equal((214, 120), (low.Video!.Width, low.Video.Height));
        Assert.Equal(60, top.Video.FrameRate, 0.01);
        Assert.Equal(30, low.Video.FrameRate, 0.01);

        // A source smaller than every rung is kept at its own size, not blown up.
        using var tiny = new TestPipeline(o => o.Ladder = [new LadderRung { ShortSide = 720, MaxVideoKbps = 2000 }, new LadderRung { ShortSide = 480, MaxVideoKbps = 1000 }]);
        var small = await tiny.RunAsync(await Clips.LandscapeAsync());
        Assert.Null(small.Refusal);
        Assert.Equal((640, 360), (small.Width, small.Height));
        Assert.Single(small.Files, f => f.Name.StartsWith("video", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_master_playlist_states_the_bandwidth_of_the_segments_written()
    {
        using var run = new TestPipeline();
        var result = await run.RunAsync(await Clips.PortraitAsync());
        Assert.Null(result.Refusal);
        var master = await File.ReadAllTextAsync(result.Files.Single(f => f.Name == "hls/master.m3u8").Path);
        var lines = master.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("#EXTM3U", lines[0]);
        var variants = lines.Where(l => l.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, variants.Count);
        foreach (var (label, variant) in Labels.Zip(variants))
        {
            var playlist = await File.ReadAllTextAsync(Path.Combine(run.Folder, "hls", label, "index.m3u8"));
            var (peak, average) = HlsMasterPlaylist.Measure(playlist, name => new FileInfo(Path.Combine(run.Folder, "hls", label, name)).Length);
            Assert.Contains($"BANDWIDTH={peak},", variant, StringComparison.Ordinal);
            Assert.Contains($"AVERAGE-BANDWIDTH={average},", variant, StringComparison.Ordinal);
            Assert.True(peak >= average && average > 50_000, variant);
            Assert.Contains("CODECS=\"avc1.6400", variant, StringComparison.Ordinal);
            Assert.Contains("mp4a.40.2\"", variant, StringComparison.Ordinal);
            Assert.Contains("#EXT-X-MAP:URI=\"init.mp4\"", playlist, StringComparison.Ordinal);
            Assert.Contains("#EXT-X-ENDLIST", playlist, StringComparison.Ordinal);
        }

        Assert.Contains("RESOLUTION=240x426", variants[0], StringComparison.Ordinal);
        Assert.Contains("240p/index.m3u8", master, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sound_is_loudness_normalised()
    {
        using var run = new TestPipeline();
        var result = await run.RunAsync(await Clips.PortraitAsync());
        Assert.Null(result.Refusal);
        var quiet = Path.Combine(run.Folder, "quiet.mp4");
        await Clips.RunFfmpegAsync("-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=4", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4", "-af", "volume=-40dB",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", quiet);
        using var second = new TestPipeline();
        var normalised = await second.RunAsync(quiet);
        Assert.Null(normalised.Refusal);
        Assert.True(await MeanVolumeAsync(normalised.Files.Single(f => f.Name == "video.mp4").Path) > await MeanVolumeAsync(quiet) + 15, "the quiet clip was not made louder");
    }

    private static async Task<double> MeanVolumeAsync(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-hide_banner", "-nostdin", "-i", path, "-map", "0:a", "-af", "volumedetect", "-f", "null", "-" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var text = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = text.Split('\n').Single(l => l.Contains("mean_volume:", StringComparison.Ordinal));
        return double.Parse(line[(line.IndexOf("mean_volume:", StringComparison.Ordinal) + 12)..].Replace("dB", "", StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
