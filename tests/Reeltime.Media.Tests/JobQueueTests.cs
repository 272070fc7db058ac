using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Reeltime.Media.Jobs;
using Reeltime.Media.Uploads;
using Reeltime.Platform;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Media.Tests;

/// <summary>The durable queue and its worker over a real SQLite database and a real data folder.</summary>
public sealed class JobQueueTests : IAsyncLifetime
{
    private readonly string data = Directory.CreateTempSubdirectory("reeltime-jobs-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        services = Build();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        await PlatformDatabase.MigrateAsync(db);
        db.Users.Add(new UserRecord { Username = "ana", NormalizedUsername = "ANA", PasswordHash = "x", Region = "eu" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task An_upload_becomes_a_ready_video_with_its_renditions_recorded()
    {
        var id = await UploadAsync(await Clips.PortraitAsync());
        Assert.Equal(VideoStatus.Processing, (await VideoAsync(id)).Status);
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));

        var video = await VideoAsync(id);
        Assert.Equal(VideoStatus.Ready, video.Status);
        Assert.Equal(100, video.Progress);
        Assert.InRange(video.DurationMs, 1900, 2100);
        Assert.Equal((120, 214), (video.Width, video.Height));
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var renditions = await db.VideoRenditions.Where(r => r.VideoId == id).OrderBy(r => r.Name).ToListAsync();
        Assert.Equal(["hls/master.m3u8", "poster.jpg", "poster.webp", "video.mp4"], renditions.Select(r => r.Name));
        Assert.All(renditions, r => Assert.True(r.Bytes > 0));
        Assert.True(renditions.Single(r => r.Name == "video.mp4").BitsPerSecond > 0);
        Assert.Equal(MediaJobState.Succeeded, (await db.MediaJobs.SingleAsync(j => j.VideoId == id)).State);
        var store = services.GetRequiredService<IObjectStore>();
        await using (var master = await store.OpenAsync(MediaKeys.Rendition(id, "hls/master.m3u8"), default))
        {
            Assert.NotNull(master);
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(services.GetRequiredService<MediaFolders>().WorkFolder));
    }

    [Fact]
    public async Task Someone_posting_one_video_is_not_stuck_behind_someone_who_posted_many()
    {
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            db.Users.Add(new UserRecord { Username = "ben", NormalizedUsername = "BEN", PasswordHash = "x", Region = "eu" });
            await db.SaveChangesAsync();
        }

        var clip = await Clips.TinyAsync();
        long[] many = [await UploadAsync(clip), await UploadAsync(clip), await UploadAsync(clip)];
        var one = await UploadAsync(clip, author: 2);

        async Task<VideoStatus[]> ManyAsync()
        {
            List<VideoStatus> statuses = [];
            foreach (var id in many)
            {
                statuses.Add((await VideoAsync(id)).Status);
            }

            return [.. statuses];
        }

        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        Assert.Equal(VideoStatus.Ready, (await VideoAsync(one)).Status);
        Assert.Equal([VideoStatus.Processing, VideoStatus.Processing, VideoStatus.Processing], await ManyAsync());

        // The heavy uploader's own videos then come in the order they were posted.
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        Assert.Equal([VideoStatus.Ready, VideoStatus.Processing, VideoStatus.Processing], await ManyAsync());
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        Assert.Equal([VideoStatus.Ready, VideoStatus.Ready, VideoStatus.Ready], await ManyAsync());
        Assert.False(await Worker.RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_file_fails_with_its_reason_and_the_worker_goes_on()
    {
        var bad = Path.Combine(data, "bad.mp4");
        await File.WriteAllTextAsync(bad, "not a video");
        var refused = await UploadAsync(bad);
        var good = await UploadAsync(await Clips.SilentAsync());
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));

        var failed = await VideoAsync(refused);
        Assert.Equal(VideoStatus.Failed, failed.Status);
        Assert.Equal("This file is not a video we can read: upload an MP4, MOV, WebM or MKV file.", failed.StatusReason);
        Assert.Equal(VideoStatus.Ready, (await VideoAsync(good)).Status);
        Assert.False(await Worker.RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Only_one_worker_can_claim_a_job()
    {
        var id = await UploadAsync(await Clips.SilentAsync());
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<MediaJobQueue>().ClaimAsync($"worker-{i}", TimeSpan.FromSeconds(30), CancellationToken.None);
        }));
        Assert.Single(claims, c => c is not null);
        Assert.Equal(id, claims.Single(c => c is not null)!.VideoId);
    }

    [Fact]
    public async Task A_job_whose_worker_died_is_retried_once_its_lease_lapses()
    {
        var id = await UploadAsync(await Clips.SilentAsync());
        ClaimedJob crashed;
        await using (var scope = services.CreateAsyncScope())
        {
            // A worker claims the job, then the process is killed: no heartbeat, no finish.
            crashed = (await scope.ServiceProvider.GetRequiredService<MediaJobQueue>().ClaimAsync("crashed-worker", TimeSpan.FromSeconds(30), CancellationToken.None))!;
        }

        Assert.False(await Worker.RunOnceAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        Assert.Equal(VideoStatus.Ready, (await VideoAsync(id)).Status);

        // The crashed worker, should it wake up, can no longer touch the job.
        await using var late = services.CreateAsyncScope();
        var queue = late.ServiceProvider.GetRequiredService<MediaJobQueue>();
        Assert.False(await queue.HeartbeatAsync(crashed, "crashed-worker", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.False(await queue.FinishAsync(crashed, "crashed-worker", MediaJobState.Failed, "late", () => throw new InvalidOperationException("must not run"), CancellationToken.None));
        Assert.Equal(VideoStatus.Ready, (await VideoAsync(id)).Status);
    }

    [Fact]
    public async Task Transient_errors_are_retried_with_back_off_then_fail_with_a_reason()
    {
        var id = await UploadAsync(await Clips.SilentAsync());

        // A store that fails to read: the original is replaced by a folder, which opening fails on with an I/O error.
        var original = Path.Combine(data, "media", MediaKeys.Original(id));
        File.Delete(original);
        Directory.CreateDirectory(original);
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        await using (var scope = services.CreateAsyncScope())
        {
            var job = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().MediaJobs.AsNoTracking().SingleAsync(j => j.VideoId == id);
            Assert.Equal(MediaJobState.Queued, job.State);
            Assert.Equal(1, job.Attempts);
            Assert.True(job.NotBefore > clock.GetUtcNow().UtcDateTime);
            Assert.NotNull(job.LastError);
        }

        Assert.False(await Worker.RunOnceAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        var video = await VideoAsync(id);
        Assert.Equal(VideoStatus.Failed, video.Status);
        Assert.Equal("We could not process this video after several tries: please upload it again.", video.StatusReason);
    }

    [Fact]
    public async Task An_upload_that_never_finished_fails_after_the_upload_window()
    {
        long id;
        await using (var scope = services.CreateAsyncScope())
        {
            // The video is recorded and its job held, then the server dies before the file lands.
            id = (await scope.ServiceProvider.GetRequiredService<VideoIntake>().CreateAsync(1, new NewVideo("lost", "public"), CancellationToken.None)).Value;
        }

        Assert.False(await Worker.RunOnceAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromHours(25));
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        var video = await VideoAsync(id);
        Assert.Equal(VideoStatus.Failed, video.Status);
        Assert.Equal("The upload did not finish: upload the video again.", video.StatusReason);
    }

    [Fact]
    public async Task Interrupted_writes_and_scratch_folders_are_cleaned_up_at_start()
    {
        var folders = services.GetRequiredService<MediaFolders>();
        var leftover = Path.Combine(folders.WorkFolder, "job-7-1");
        Directory.CreateDirectory(leftover);
        await File.WriteAllTextAsync(Path.Combine(leftover, "video.mp4"), "half");
        var torn = Path.Combine(data, "media", "videos", "7", "media", "video.mp4.0123.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(torn)!);
        await File.WriteAllTextAsync(torn, "half");

        await Worker.StartAsync(CancellationToken.None);
        await Worker.StopAsync(CancellationToken.None);
        Assert.False(Directory.Exists(leftover));
        Assert.False(File.Exists(torn));
    }

    [Fact]
    public async Task Each_retry_after_a_transient_error_waits_twice_as_long_as_the_one_before()
    {
        await services.DisposeAsync();
        services = Build(new() { ["Media:MaxAttempts"] = "4", ["Media:RetryDelay"] = "00:00:10" });
        var id = await UploadAsync(await Clips.SilentAsync());
        BreakOriginal(id);

        List<TimeSpan> delays = [];
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var failedAt = clock.GetUtcNow().UtcDateTime;
            Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
            var job = await JobAsync(id);
            Assert.Equal((MediaJobState.Queued, attempt), (job.State, job.Attempts));
            delays.Add(job.NotBefore - failedAt);

            // Not a moment before its time, and at once when it comes.
            clock.Advance(delays[^1] - TimeSpan.FromMilliseconds(1));
            Assert.False(await Worker.RunOnceAsync(CancellationToken.None));
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40)], delays);
        Assert.True(await Worker.RunOnceAsync(CancellationToken.None));
        Assert.Equal((MediaJobState.Failed, 4), ((await JobAsync(id)).State, (await JobAsync(id)).Attempts));
        Assert.Equal("We could not process this video after several tries: please upload it again.", (await VideoAsync(id)).StatusReason);
    }

    [Fact]
    public async Task Every_hostile_upload_fails_in_the_worker_with_its_reason_and_a_good_clip_follows()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var scratch = Directory.CreateDirectory(Path.Combine(data, "hostile")).FullName;
        (string Name, byte[] Bytes, string Reason)[] hostile =
        [
            ("text", HostileFiles.Text(), "This file is not a video we can read: upload an MP4, MOV, WebM or MKV file."),
            ("empty", [], "empty"),
            ("truncated", await HostileFiles.TruncatedAsync(), "damaged"),
            ("playlist of a local file", HostileFiles.Playlist("file:///etc/passwd"), "This file is not a video we can read: upload an MP4, MOV, WebM or MKV file."),
            ("playlist of a closed port", HostileFiles.Playlist("http://127.0.0.1:1/segment.ts"), "This file is not a video we can read: upload an MP4, MOV, WebM or MKV file."),
            ("ffconcat", await HostileFiles.FfconcatAsync(port), "This file is not a video we can read: upload an MP4, MOV, WebM or MKV file."),
            ("30000 a side", await HostileFiles.HugePictureAsync(scratch, 30000), "picture size cannot be read"),
            ("12000 a side", await HostileFiles.HugePictureAsync(scratch, 12000), "The video's picture is 12000×12000 pixels"),
            ("ten hours", await HostileFiles.TenHoursAsync(scratch), "The video is 600:00 long; the longest accepted is 10:00."),
            ("polyglot", await HostileFiles.PolyglotAsync(scratch), "This file is not a video we can read: upload an MP4, MOV, WebM or MKV file."),
        ];
        List<long> ids = [];
        foreach (var (name, bytes, _) in hostile)
        {
            var file = Path.Combine(scratch, name);
            await File.WriteAllBytesAsync(file, bytes);
            ids.Add(await UploadAsync(file));
        }

        var good = await UploadAsync(await Clips.PortraitAsync());

        // One worker takes the jobs in the order they came, each to its end, and is still there for the next.
        var ran = 0;
        while (await Worker.RunOnceAsync(CancellationToken.None))
        {
            ran++;
        }

        Assert.Equal(hostile.Length + 1, ran);
        for (var i = 0; i < hostile.Length; i++)
        {
            var video = await VideoAsync(ids[i]);
            Assert.True(video.Status == VideoStatus.Failed, $"{hostile[i].Name}: {video.Status}");
            Assert.Contains(hostile[i].Reason, video.StatusReason, StringComparison.OrdinalIgnoreCase);

            // Refused for what it is, at the first attempt: not retried as if the server had hiccuped.
            var job = await JobAsync(ids[i]);
            Assert.Equal((MediaJobState.Failed, 1), (job.State, job.Attempts));
            Assert.DoesNotContain("ffmpeg", video.StatusReason, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(data, video.StatusReason, StringComparison.Ordinal);
        }

        Assert.Equal(VideoStatus.Ready, (await VideoAsync(good)).Status);
        Assert.False(listener.Pending(), "ffmpeg tried to connect to the network");
        Assert.Empty(Directory.EnumerateFileSystemEntries(services.GetRequiredService<MediaFolders>().WorkFolder));
    }

    private TranscodeWorker Worker => services.GetRequiredService<TranscodeWorker>();

    private ServiceProvider Build(Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Database:Sqlite"] = $"Data Source={Path.Combine(data, "reeltime.db")}",
            ["Media:Ladder:0:ShortSide"] = "120",
            ["Media:Ladder:0:MaxVideoKbps"] = "200",
            ["Media:Preset"] = "superfast",
            ["Media:JobLease"] = "00:00:30",
            ["Media:MaxAttempts"] = "2",
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddPlatform(configuration)
            .AddSingleton<TimeProvider>(clock)
            .AddMedia(configuration, data, runWorker: false)
            .BuildServiceProvider();
    }

    // A store that fails to read: the original is replaced by a folder, which opening fails on with an I/O error.
    private void BreakOriginal(long id)
    {
        var original = Path.Combine(data, "media", MediaKeys.Original(id));
        File.Delete(original);
        Directory.CreateDirectory(original);
    }

    private async Task<MediaJobRecord> JobAsync(long videoId)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().MediaJobs.AsNoTracking().SingleAsync(j => j.VideoId == videoId);
    }

    private async Task<long> UploadAsync(string clip, long author = 1)
    {
        await using var scope = services.CreateAsyncScope();
        var intake = scope.ServiceProvider.GetRequiredService<VideoIntake>();
        var created = await intake.CreateAsync(author, new NewVideo("a clip #test", "public"), CancellationToken.None);
        Assert.True(created.Succeeded);
        var received = Path.Combine(data, Guid.NewGuid().ToString("N"));
        File.Copy(clip, received);
        await intake.AcceptAsync(created.Value, received, CancellationToken.None);
        return created.Value;
    }

    private async Task<VideoRecord> VideoAsync(long id)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Videos.AsNoTracking().SingleAsync(v => v.Id == id);
    }
}
