using System.Diagnostics;
using Reeltime.Media.Probing;
using Reeltime.Media.Tools;
using Reeltime.Media.Transcoding;

namespace Reeltime.Media.Tests;

/// <summary>The pure parts, on saved real outputs, and the process limits.</summary>
public sealed class ParsingTests
{
    [Fact]
    public void A_saved_probe_of_a_rotated_phone_clip_reads_as_portrait()
    {
        var probe = ProbeReport.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "rotated-probe.json")))!;
        Assert.Equal("mov,mp4,m4a,3gp,3g2,mj2", probe.FormatName);
        Assert.Equal((640, 360, 90), (probe.Video!.Width, probe.Video.Height, probe.Video.Rotation));
        Assert.Equal(30, probe.Video.FrameRate, 0.01);
        Assert.Equal("aac", probe.Audio!.CodecName);
        Assert.Null(IntakeRules.Check(probe, ContainerFormat.Mp4, new MediaOptions()));
        var plan = RenditionPlan.Create(probe, new MediaOptions());
        Assert.Equal([("360p", 360, 640, "video.mp4")], plan.Renditions.Select(r => (r.Label, r.Width, r.Height, r.FileName)));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m' }, ContainerFormat.Mp4)]
    [InlineData(new byte[] { 0x1A, 0x45, 0xDF, 0xA3, 1, 0, 0, 0, 0, 0, 0, 0x1F }, ContainerFormat.Matroska)]
    [InlineData(new byte[] { 0, 0, 0, 8, (byte)'w', (byte)'i', (byte)'d', (byte)'e', 0, 0, 0, 0 }, ContainerFormat.Mp4)]
    public void Containers_are_recognised_by_their_first_bytes(byte[] header, ContainerFormat expected) =>
        Assert.Equal(expected, ContainerSniffer.Sniff(header, 1000).Format);

    [Theory]
    [InlineData("#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n")]
    [InlineData("ffconcat version 1.0\nfile 'a.mp4'\n")]
    [InlineData("\xFF\xD8\xFF\xE0 JFIF")]
    [InlineData("PK\x03\x04 zip")]
    [InlineData("GIF89a")]
    public void Everything_else_is_refused_before_ffmpeg_sees_it(string header)
    {
        var bytes = header.Select(c => (byte)c).ToArray();
        var (format, refusal) = ContainerSniffer.Sniff(bytes, bytes.Length);
        Assert.Null(format);
        Assert.StartsWith("This file is not a video", refusal!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Bandwidth_is_the_peak_segment_rate_and_average_the_whole()
    {
        const string playlist = "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2.000000,\nseg_000.m4s\n#EXTINF:2.000000,\nseg_001.m4s\n#EXTINF:1.000000,\nseg_002.m4s\n#EXT-X-ENDLIST\n";
        var sizes = new Dictionary<string, long> { ["seg_000.m4s"] = 500_000, ["seg_001.m4s"] = 250_000, ["seg_002.m4s"] = 100_000 };
        var (peak, average) = HlsMasterPlaylist.Measure(playlist, name => sizes[name]);
        Assert.Equal(2_000_000, peak);
        Assert.Equal(1_360_000, average);
        Assert.Equal("avc1.64001f,mp4a.40.2", HlsMasterPlaylist.Codecs("High", 31));
    }

    [Fact]
    public void Progress_lines_are_read()
    {
        Assert.Equal(1_500_000, FfmpegCommands.ProgressMicroseconds("out_time_us=1500000"));
        Assert.Null(FfmpegCommands.ProgressMicroseconds("out_time_us=N/A"));
        Assert.Null(FfmpegCommands.ProgressMicroseconds("frame=12"));
    }

    [Fact]
    public void Every_input_is_opened_with_the_file_protocol_only_and_a_forced_demuxer()
    {
        var probe = FfmpegCommands.Probe(ContainerFormat.Matroska, "source");
        Assert.Equal(["-protocol_whitelist", "file", "-format_whitelist", "mov,matroska", "-f", "matroska", "-i", "file:source"], probe.Skip(3).Take(8));
        var plan = new RenditionPlan([new PlannedRendition("240p", 240, 426, "30", 600, 64, "video.mp4")], 2, HasAudio: false);
        var transcode = FfmpegCommands.Transcode(ContainerFormat.Mp4, "source", plan, new MediaOptions());
        Assert.Contains("-enable_drefs", transcode);
        Assert.Contains("anullsrc=channel_layout=stereo:sample_rate=48000", transcode);
        Assert.Contains("+faststart", transcode);
        Assert.Equal(2, transcode.Count(a => a == "-protocol_whitelist") + transcode.Count(a => a == "lavfi"));
    }

    [Fact]
    public async Task A_process_that_overruns_its_time_is_killed()
    {
        var watch = Stopwatch.StartNew();
        var outcome = await new MediaProcess(new MediaOptions()).RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc2=s=64x64", "-f", "null", "-"], TimeSpan.FromSeconds(1), Path.GetTempPath(), null, CancellationToken.None);
        Assert.True(outcome.TimedOut);
        Assert.False(outcome.Succeeded);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the overrunning process was not killed");
    }

    [Fact]
    public async Task A_process_that_needs_more_memory_than_allowed_fails()
    {
        Assert.True(MediaProcess.Limited, "prlimit and nice are part of every Debian system");
        var limited = new MediaProcess(new MediaOptions { ProcessMemoryMiB = 256 });
        var outcome = await limited.RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=s=16000x16000:d=0.1", "-f", "null", "-"], TimeSpan.FromSeconds(30), Path.GetTempPath(), null, CancellationToken.None);
        Assert.False(outcome.Succeeded);
        var unlimited = await new MediaProcess(new MediaOptions()).RunAsync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=s=64x64:d=0.1", "-f", "null", "-"], TimeSpan.FromSeconds(30), Path.GetTempPath(), null, CancellationToken.None);
        Assert.True(unlimited.Succeeded, unlimited.ErrorTail);
    }
}
