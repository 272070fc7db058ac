using System.Net;
using System.Net.Sockets;
using Reeltime.Media.Probing;
using Reeltime.Media.Tools;
using Reeltime.Media.Transcoding;

namespace Reeltime.Media.Tests;

/// <summary>
/// Every upload is untrusted input to ffmpeg. Each hostile file is refused with a reason a person
/// understands; nothing outside the upload is read and no network connection is attempted.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly string scratch = Directory.CreateTempSubdirectory("reeltime-hostile-").FullName;

    public HostileInputTests() => listener.Start();

    private int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public void Dispose()
    {
        listener.Dispose();
        Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public async Task A_text_file_named_mp4_is_refused() =>
        await AssertRefusedAsync(await WriteAsync("notes.mp4", HostileFiles.Text()), "not a video");

    [Fact]
    public async Task An_empty_file_is_refused() => await AssertRefusedAsync(await WriteAsync("empty.mp4", []), "empty");

    [Fact]
    public async Task A_truncated_mp4_is_refused()
    {
        await AssertRefusedAsync(await WriteAsync("cut.mp4", await HostileFiles.TruncatedAsync()), "damaged");
    }

    [Fact]
    public async Task A_truncated_mp4_with_its_index_in_front_is_refused_not_published_short()
    {
        var faststart = Path.Combine(scratch, "fast.mp4");
        await Clips.RunFfmpegAsync("-i", await Clips.PortraitAsync(), "-c", "copy", "-movflags", "+faststart", faststart);
        var whole = await File.ReadAllBytesAsync(faststart);
        await AssertRefusedAsync(await WriteAsync("cut-fast.mp4", whole[..(whole.Length / 3)]), "damaged");
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://127.0.0.1:1/segment.ts")]
    [InlineData("http://127.0.0.1:{port}/segment.ts")]
    public async Task An_hls_playlist_is_refused_without_reading_what_it_points_at(string target)
    {
        var file = await WriteAsync("playlist.mp4", HostileFiles.Playlist(target.Replace("{port}", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
        await AssertRefusedAsync(file, "not a video");

        // Even handed straight to ffprobe with the pipeline's own arguments (past the sniffer), the forced
        // demuxer and the protocol whitelist keep it from following the playlist.
        var outcome = await new MediaProcess(new MediaOptions()).RunAsync("ffprobe", FfmpegCommands.Probe(ContainerFormat.Mp4, "playlist.mp4"), TimeSpan.FromSeconds(20), scratch, null, CancellationToken.None);
        Assert.False(outcome.Succeeded && ProbeReport.Parse(outcome.Output)?.Video is not null);
        Assert.DoesNotContain("root:", outcome.Output, StringComparison.Ordinal);
        var matroska = await new MediaProcess(new MediaOptions()).RunAsync("ffprobe", FfmpegCommands.Probe(ContainerFormat.Matroska, "playlist.mp4"), TimeSpan.FromSeconds(20), scratch, null, CancellationToken.None);
        Assert.False(matroska.Succeeded && ProbeReport.Parse(matroska.Output)?.Video is not null);
        AssertNoConnection();
    }

    [Fact]
    public async Task An_ffconcat_list_is_refused()
    {
        await AssertRefusedAsync(await WriteAsync("list.mp4", await HostileFiles.FfconcatAsync(Port)), "not a video");
        AssertNoConnection();
    }

    [Theory]
    [InlineData(30000)]
    [InlineData(12000)]
    public async Task A_header_declaring_a_huge_picture_is_refused_before_decoding(int side)
    {
        var result = await RunAsync(await WriteAsync("huge.mov", await HostileFiles.HugePictureAsync(scratch, side)));
        Assert.NotNull(result.Refusal);
        Assert.Matches(side > 16384 ? "picture size cannot be read" : "12000×12000", result.Refusal.Reason);
    }

    [Fact]
    public async Task A_tiny_file_declaring_ten_hours_is_refused()
    {
        var result = await RunAsync(await WriteAsync("long.mkv", await HostileFiles.TenHoursAsync(scratch)));
        Assert.NotNull(result.Refusal);
        Assert.Contains("600:00 long", result.Refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tiny_file_declaring_ten_hours_is_refused_as_a_lie_where_ten_hours_are_allowed()
    {
        // Past the duration limit, the rule that a few kilobytes cannot fill hours is what stops it.
        using var run = new TestPipeline(o => o.MaxDuration = TimeSpan.FromHours(11));
        var result = await run.RunAsync(await WriteAsync("long.mkv", await HostileFiles.TenHoursAsync(scratch)));
        Assert.NotNull(result.Refusal);
        Assert.Equal("The file declares a length its content cannot fill; it is damaged.", result.Refusal.Reason);
        Assert.Empty(result.Files);
    }

    [Fact]
    public async Task A_jpeg_zip_polyglot_is_refused()
    {
        await AssertRefusedAsync(await WriteAsync("polyglot.mp4", await HostileFiles.PolyglotAsync(scratch)), "not a video");
    }

    [Fact]
    public async Task A_video_over_the_duration_limit_is_refused_with_the_limit()
    {
        var result = await RunAsync(await Clips.OverTenMinutesAsync());
        Assert.NotNull(result.Refusal);
        Assert.Equal("The video is 10:00.5 long; the longest accepted is 10:00.", result.Refusal.Reason);
    }

    [Fact]
    public async Task Two_hundred_damaged_copies_of_valid_clips_are_each_refused_or_made_valid()
    {
        var sources = new[] { await File.ReadAllBytesAsync(await Clips.TinyAsync()), await File.ReadAllBytesAsync(await Clips.TinyVp9Async()) };
        var random = new Random(20261125);
        var copies = Enumerable.Range(0, 200).Select(i =>
        {
            var bytes = (byte[])sources[i % 2].Clone();
            for (var flips = random.Next(1, 20); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            return bytes;
        }).ToList();

        var refused = 0;
        var made = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, copies.Count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, _) =>
        {
            using var run = new TestPipeline(o =>
            {
                o.Ladder = [new LadderRung { ShortSide = 64, MaxVideoKbps = 100, AudioKbps = 32 }];
                o.Preset = "ultrafast";
            });
            var file = Path.Combine(run.Folder, "copy");
            await File.WriteAllBytesAsync(file, copies[i], CancellationToken.None);
            var result = await run.RunAsync(file);
            if (result.Refusal is { } refusal)
            {
                Assert.False(string.IsNullOrWhiteSpace(refusal.Reason));
                Interlocked.Increment(ref refused);
            }
            else
            {
                var output = await TestPipeline.ProbeAsync(result.Files.Single(f => f.Name == "video.mp4").Path);
                Assert.Equal("h264", output.Video?.CodecName);
                Interlocked.Increment(ref made);
            }
        });

        Assert.Equal(200, refused + made);
        AssertNoConnection();
    }

    private static async Task<TranscodeResult> RunAsync(string file)
    {
        using var run = new TestPipeline();
        return await run.RunAsync(file);
    }

    private static async Task AssertRefusedAsync(string file, string reasonContains)
    {
        var result = await RunAsync(file);
        Assert.NotNull(result.Refusal);
        Assert.Contains(reasonContains, result.Refusal.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(result.Files);
    }

    private void AssertNoConnection() => Assert.False(listener.Pending(), "ffmpeg tried to connect to the network");

    private async Task<string> WriteAsync(string name, byte[] bytes)
    {
        var path = Path.Combine(scratch, name);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }
}
