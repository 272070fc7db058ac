using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Reeltime.Server.Tests;

/// <summary>The media pipeline through HTTP: renditions streamed with ranges to whoever may watch, status, resumable uploads.</summary>
public sealed class MediaTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    [Fact]
    public async Task A_ready_video_plays_as_mp4_and_hls_with_ranges_etags_and_long_caching()
    {
        var ana = await server.NewUserAsync("streamer");
        var id = await ana.UploadAsync("watch me #stream");
        var video = await ana.Client.GetJsonAsync($"/api/videos/{id}");
        var mp4 = video.GetProperty("playback").GetProperty("mp4").GetString()!;
        var hls = video.GetProperty("playback").GetProperty("hls").GetString()!;
        Assert.Equal($"/api/videos/{id}/media/poster.jpg", video.GetProperty("posterUrl").GetString());
        Assert.InRange(video.GetProperty("durationMs").GetInt32(), 900, 1100);

        var whole = await ana.Client.GetAsync(mp4);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("video/mp4", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Contains("immutable", whole.Headers.CacheControl!.Extensions.Select(e => e.Name));
        Assert.True(whole.Headers.CacheControl.Private);
        var etag = whole.Headers.ETag!;
        var bytes = await whole.Content.ReadAsByteArrayAsync();
        Assert.Equal("ftyp", Encoding.ASCII.GetString(bytes, 4, 4));

        using (var range = new HttpRequestMessage(HttpMethod.Get, mp4))
        {
            range.Headers.Range = new RangeHeaderValue(100, 199);
            var partial = await ana.Client.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal($"bytes 100-199/{bytes.Length}", partial.Content.Headers.ContentRange!.ToString());
            Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());
        }

        using (var ifRange = new HttpRequestMessage(HttpMethod.Get, mp4))
        {
            ifRange.Headers.Range = new RangeHeaderValue(0, 9);
            ifRange.Headers.IfRange = new RangeConditionHeaderValue(etag);
            Assert.Equal(HttpStatusCode.PartialContent, (await ana.Client.SendAsync(ifRange)).StatusCode);
        }

        using (var stale = new HttpRequestMessage(HttpMethod.Get, mp4))
        {
            stale.Headers.Range = new RangeHeaderValue(0, 9);
            stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"something-else\""));
            var full = await ana.Client.SendAsync(stale);
            Assert.Equal(HttpStatusCode.OK, full.StatusCode);
            Assert.Equal(bytes.Length, (await full.Content.ReadAsByteArrayAsync()).Length);
        }

        using (var cached = new HttpRequestMessage(HttpMethod.Get, mp4))
        {
            cached.Headers.IfNoneMatch.Add(etag);
            Assert.Equal(HttpStatusCode.NotModified, (await ana.Client.SendAsync(cached)).StatusCode);
        }

        using (var unsatisfiable = new HttpRequestMessage(HttpMethod.Get, mp4))
        {
            unsatisfiable.Headers.Range = new RangeHeaderValue(bytes.Length + 10, bytes.Length + 20);
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, (await ana.Client.SendAsync(unsatisfiable)).StatusCode);
        }

        var master = await ana.Client.GetAsync(hls);
        Assert.Equal("application/vnd.apple.mpegurl", master.Content.Headers.ContentType?.MediaType);
        var variant = (await master.Content.ReadAsStringAsync()).Split('\n').First(l => l.EndsWith("index.m3u8", StringComparison.Ordinal));
        var variantUrl = $"/api/videos/{id}/media/hls/{variant}";
        var playlist = await ana.Client.GetStringAsync(variantUrl);
        var segment = playlist.Split('\n').First(l => l.EndsWith(".m4s", StringComparison.Ordinal));
        var folder = variantUrl[..variantUrl.LastIndexOf('/')];
        var fetched = await ana.Client.GetAsync($"{folder}/{segment}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal("video/iso.segment", fetched.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await ana.Client.GetAsync($"{folder}/init.mp4")).StatusCode);

        var poster = await ana.Client.GetAsync($"/api/videos/{id}/media/poster.webp");
        Assert.Equal("image/webp", poster.Content.Headers.ContentType?.MediaType);
        using var head = new HttpRequestMessage(HttpMethod.Head, mp4);
        var headed = await ana.Client.SendAsync(head);
        Assert.Equal(HttpStatusCode.OK, headed.StatusCode);
        Assert.Equal(bytes.Length, headed.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Renditions_are_served_only_to_who_may_watch_the_video()
    {
        var ana = await server.NewUserAsync("mediaowner");
        var fan = await server.NewUserAsync("mediafan");
        var stranger = await server.NewUserAsync("mediastranger");
        await fan.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        var friends = await ana.UploadAsync("for followers", "followers");
        var mine = await ana.UploadAsync("just me", "private");
        var open = await ana.UploadAsync("for all");
        string[] files = ["video.mp4", "poster.jpg", "hls/master.m3u8", "hls/144p/init.mp4"];

        foreach (var file in files)
        {
            Assert.Equal(HttpStatusCode.OK, (await ana.Client.GetAsync($"/api/videos/{friends}/media/{file}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await fan.Client.GetAsync($"/api/videos/{friends}/media/{file}")).StatusCode);
            await (await stranger.Client.GetAsync($"/api/videos/{friends}/media/{file}")).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await server.Visitor().GetAsync($"/api/videos/{friends}/media/{file}")).AssertProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal(HttpStatusCode.OK, (await ana.Client.GetAsync($"/api/videos/{mine}/media/{file}")).StatusCode);
            await (await fan.Client.GetAsync($"/api/videos/{mine}/media/{file}")).AssertProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal(HttpStatusCode.OK, (await server.Visitor().GetAsync($"/api/videos/{open}/media/{file}")).StatusCode);
        }

        // Blocking, and deleting, take effect on the very next request.
        await ana.Client.PostAsync($"/api/users/{fan.Username}/block", null);
        await (await fan.Client.GetAsync($"/api/videos/{open}/media/video.mp4")).AssertProblemAsync(HttpStatusCode.NotFound);
        await ana.Client.DeleteAsync($"/api/videos/{open}");
        await (await ana.Client.GetAsync($"/api/videos/{open}/media/video.mp4")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await server.Visitor().GetAsync($"/api/videos/{open}/media/video.mp4")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_video_removed_by_moderation_is_served_to_no_one_not_even_its_author()
    {
        var ana = await server.NewUserAsync("removed");
        var fan = await server.NewUserAsync("removedfan");
        await fan.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        var id = await ana.UploadAsync("against the rules");
        string[] files = ["video.mp4", "poster.jpg", "poster.webp", "hls/master.m3u8", "hls/144p/index.m3u8", "hls/144p/init.mp4"];

        var poster = await server.Visitor().GetAsync($"/api/videos/{id}/media/poster.jpg");
        Assert.Equal(HttpStatusCode.OK, poster.StatusCode);
        Assert.Equal("image/jpeg", poster.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0xFF, 0xD8, 0xFF], (await poster.Content.ReadAsByteArrayAsync())[..3]);

        // The safety room removes it: the state it sets on the video is all that serving looks at.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Storage.PlatformDbContext>();
            Assert.Equal(1, await db.Videos.Where(v => v.Id == id).ExecuteUpdateAsync(v => v.SetProperty(x => x.Moderation, Reeltime.Platform.Storage.ModerationState.Removed)));
        }

        foreach (var client in new[] { ana.Client, fan.Client, server.Visitor() })
        {
            foreach (var file in files)
            {
                await (await client.GetAsync($"/api/videos/{id}/media/{file}")).AssertProblemAsync(HttpStatusCode.NotFound);
                using var head = new HttpRequestMessage(HttpMethod.Head, $"/api/videos/{id}/media/{file}");
                Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(head)).StatusCode);
            }
        }

        // Removal hides the video rather than deleting it: the files stay in the store, only serving is refused.
        Assert.True(File.Exists(Path.Combine(server.DataDirectory, "media", "videos", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "media", "poster.jpg")));
    }

    [Theory]
    [InlineData("original")]
    [InlineData("..%2Foriginal")]
    [InlineData("hls/..%2F..%2Foriginal")]
    [InlineData("%2E%2E/%2E%2E/%2E%2E/reeltime.db")]
    [InlineData("video.mp4.tmp")]
    [InlineData("hls/144p/../../original")]
    public async Task Nothing_but_published_renditions_can_be_asked_for(string name)
    {
        var ana = await server.NewUserAsync("traverser");
        var id = await ana.UploadAsync("traverse me");
        var response = await ana.Client.GetAsync($"/api/videos/{id}/media/{name}");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode}");
    }

    [Fact]
    public async Task A_refused_upload_fails_with_a_reason_only_its_author_sees()
    {
        var ana = await server.NewUserAsync("refused");
        var other = await server.NewUserAsync("onlooker");
        var id = await ana.UploadFileAsync(Encoding.UTF8.GetBytes("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n"), "a playlist in disguise");
        var video = await ana.WaitForVideoAsync(id);
        Assert.Equal("failed", video.GetProperty("status").GetString());
        Assert.Equal("This file is not a video we can read: upload an MP4, MOV, WebM or MKV file.", video.GetProperty("statusReason").GetString());
        Assert.Equal(JsonValueKind.Null, video.GetProperty("playback").ValueKind);
        await other.Client.GetJsonAsync($"/api/videos/{id}", HttpStatusCode.NotFound);
        await (await ana.Client.GetAsync($"/api/videos/{id}/media/video.mp4")).AssertProblemAsync(HttpStatusCode.NotFound);

        using var empty = new MultipartFormDataContent { { new ByteArrayContent([]), "file", "empty.mp4" }, { new StringContent("nothing"), "caption" } };
        var refused = await (await ana.Client.PostAsync("/api/videos", empty)).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("The file is empty.", refused.GetProperty("title").GetString());

        // A form that stops before its closing boundary, in the file part or before any part begins.
        foreach (var body in (string[])["--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n\r\nthe first bytes and no more", "no boundary at all"])
        {
            using var cut = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
            cut.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
            var cutOff = await (await ana.Client.PostAsync("/api/videos", cut)).AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal("The upload was cut off before the end of the form; send it again.", cutOff.GetProperty("title").GetString());
        }
    }

    [Fact]
    public async Task Status_and_progress_stream_as_server_sent_events_until_ready()
    {
        var ana = await server.NewUserAsync("eventful");
        var id = await ana.UploadFileAsync(await TestClip.BytesAsync(), "events", "private");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/videos/{id}/events");
        using var response = await ana.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Split('\n')).ToList();
        Assert.All(events, e => Assert.Equal("event: status", e[0]));
        var last = JsonDocument.Parse(events[^1][1]["data: ".Length..]).RootElement;
        Assert.Equal("ready", last.GetProperty("status").GetString());
        Assert.Equal(100, last.GetProperty("progress").GetInt32());
        var stranger = await server.NewUserAsync("sseintruder");
        await (await stranger.Client.GetAsync($"/api/videos/{id}/events")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_resumable_upload_carries_on_from_where_it_stopped()
    {
        var ana = await server.NewUserAsync("resumer");
        var eve = await server.NewUserAsync("uploadthief");
        var clip = await TestClip.BytesAsync();

        using var options = new HttpRequestMessage(HttpMethod.Options, "/api/uploads");
        var discovered = await ana.Client.SendAsync(options);
        Assert.Equal("1.0.0", discovered.Headers.GetValues("Tus-Version").Single());
        Assert.Contains("creation", discovered.Headers.GetValues("Tus-Extension").Single(), StringComparison.Ordinal);

        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", clip.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", $"caption {Convert.ToBase64String(Encoding.UTF8.GetBytes("resumed #tus"))},visibility {Convert.ToBase64String("public"u8.ToArray())}");
        var created = await ana.Client.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.ToString();

        Assert.Equal(HttpStatusCode.NoContent, (await PatchAsync(ana, location, 0, clip[..1000])).StatusCode);

        // The connection drops; the client asks where it was, and a stale offset is refused.
        Assert.Equal("1000", (await HeadAsync(ana, location)).Headers.GetValues("Upload-Offset").Single());
        await (await PatchAsync(ana, location, 0, clip[..1000])).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(eve, location)).StatusCode);
        await (await PatchAsync(eve, location, 1000, clip[1000..])).AssertProblemAsync(HttpStatusCode.NotFound);

        var finished = await PatchAsync(ana, location, 1000, clip[1000..]);
        Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);
        Assert.Equal(clip.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), finished.Headers.GetValues("Upload-Offset").Single());
        var id = long.Parse(finished.Headers.GetValues("Reeltime-Video-Id").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var video = await ana.WaitForVideoAsync(id);
        Assert.Equal("ready", video.GetProperty("status").GetString());
        Assert.Equal("resumed #tus", video.GetProperty("caption").GetString());
    }

    [Fact]
    public async Task A_resumable_upload_survives_a_connection_dropped_mid_chunk_and_plays_the_bytes_sent()
    {
        // Real sockets: the in-memory test server has no connection to drop.
        await using var real = await ReeltimeServer.StartAsync(_ => { }, overKestrel: true);
        var ana = await real.NewUserAsync("flaky");
        var clip = await TestClip.MakeAsync("reeltime-server-dropped-clip-v1.mp4",
            "-f", "lavfi", "-i", "testsrc2=s=320x568:r=30:d=3", "-f", "lavfi", "-i", "sine=frequency=550:sample_rate=48000:duration=3",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac");
        var created = await CreateUploadAsync(ana, clip.Length);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.ToString();
        var part = Path.Combine(real.DataDirectory, "uploads", location[(location.LastIndexOf('/') + 1)..] + ".part");

        // The phone sends the whole file as one chunk and loses its signal two fifths of the way in.
        var cut = clip.Length * 2 / 5;
        using (var dropped = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new DroppingContent(clip, cut) })
        {
            dropped.Headers.Add("Tus-Resumable", "1.0.0");
            dropped.Headers.Add("Upload-Offset", "0");
            dropped.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            // A plain client: the test factory's handlers buffer a request body to replay it on a redirect.
            using var phone = new HttpClient { BaseAddress = ana.Client.BaseAddress };
            phone.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ana.Token);
            var lost = await Assert.ThrowsAnyAsync<HttpRequestException>(() => phone.SendAsync(dropped));
            Assert.IsType<IOException>(lost.InnerException);
        }

        // The server notices the drop in its own time; the offset settles at what it stored, no more.
        long offset = -1;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        for (var settled = 0; settled < 3; await Task.Delay(200))
        {
            var now = long.Parse((await HeadAsync(ana, location)).Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);
            settled = now == offset && now > 0 ? settled + 1 : 0;
            offset = now;
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"the offset did not settle (last {offset} of {cut} sent)");
        }

        Assert.InRange(offset, 1, cut);
        var stored = await File.ReadAllBytesAsync(part);
        Assert.Equal(offset, stored.Length);
        Assert.Equal(clip[..(int)offset], stored);

        var finished = await PatchAsync(ana, location, offset, clip[(int)offset..]);
        Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);
        var id = long.Parse(finished.Headers.GetValues("Reeltime-Video-Id").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var video = await ana.WaitForVideoAsync(id);
        Assert.Equal("ready", video.GetProperty("status").GetString());
        Assert.InRange(video.GetProperty("durationMs").GetInt32(), 2900, 3100);

        // The original the pipeline read is the file the phone had, byte for byte.
        var original = await File.ReadAllBytesAsync(Path.Combine(real.DataDirectory, "media", "videos", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "original"));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(clip), System.Security.Cryptography.SHA256.HashData(original));
        Assert.False(File.Exists(part));
    }

    [Fact]
    public async Task The_server_is_ready_with_its_database_storage_and_ffmpeg()
    {
        var ready = await server.Visitor().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("application/json", ready.Content.Headers.ContentType?.MediaType);
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c, StringComparer.Ordinal);
        Assert.Equal(["database", "media", "storage"], checks.Keys.Order(StringComparer.Ordinal));
        Assert.All(checks.Values, c => Assert.Equal("healthy", c.GetProperty("status").GetString()));
        Assert.Equal("ffmpeg and ffprobe are ready.", checks["media"].GetProperty("description").GetString());

        // The storage check leaves nothing of its own behind.
        Assert.Empty(Directory.EnumerateFiles(server.DataDirectory, ".ready-*", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(server.DataDirectory, "media", "health")) && Directory.EnumerateFileSystemEntries(Path.Combine(server.DataDirectory, "media", "health")).Any());
    }

    [Fact]
    public async Task Without_ffmpeg_the_server_lives_says_why_it_is_not_ready_and_holds_uploads_until_it_is()
    {
        await using var broken = await ReeltimeServer.StartAsync(s => s["Media:Ffmpeg"] = "/nonexistent/ffmpeg");
        var ready = await broken.Visitor().GetAsync("/health/ready");
        var text = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c, StringComparer.Ordinal);
        Assert.Equal("unhealthy", checks["media"].GetProperty("status").GetString());
        Assert.Equal("ffmpeg ('/nonexistent/ffmpeg') does not run: install ffmpeg (apt-get install ffmpeg) or set Media:Ffmpeg.", checks["media"].GetProperty("description").GetString());
        Assert.Equal("healthy", checks["database"].GetProperty("status").GetString());
        Assert.Equal("healthy", checks["storage"].GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await broken.Visitor().GetAsync("/health/live")).StatusCode);

        // An upload is still taken: it is stored and its job waits in the durable queue until ffmpeg is
        // there, rather than failing a creator's video for an operator's mistake.
        var ana = await broken.NewUserAsync("patient");
        var id = await ana.UploadFileAsync(await TestClip.BytesAsync(), "waits for ffmpeg");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var video = await ana.Client.GetJsonAsync($"/api/videos/{id}");
        Assert.Equal("processing", video.GetProperty("status").GetString());
        Assert.True(File.Exists(Path.Combine(broken.DataDirectory, "media", "videos", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "original")));
        await using var scope = broken.Services.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Storage.PlatformDbContext>().MediaJobs.AsNoTracking().SingleAsync(j => j.VideoId == id);
        Assert.Equal((Reeltime.Platform.Storage.MediaJobState.Queued, 0), (job.State, job.Attempts));
    }

    [Fact]
    public async Task Uploads_over_a_lower_limit_are_refused_with_413_naming_it_and_leave_nothing_behind()
    {
        await using var strict = await ReeltimeServer.StartAsync(s => s["Media:MaxUploadBytes"] = "100000");
        var ana = await strict.NewUserAsync("oversize");
        const string refusal = "The file is larger than the limit of 97.7 KiB.";

        // Within the request limit but over the file limit: refused while it streams in.
        var streamed = await (await ana.Client.PostAsync("/api/videos", Form(new ByteArrayContent(new byte[300_000])))).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(refusal, streamed.GetProperty("title").GetString());

        // A declared length over the request limit: refused before a byte of it is read.
        var declared = await (await ana.Client.PostAsync("/api/videos", Form(new ByteArrayContent(new byte[2_000_000])))).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(refusal, declared.GetProperty("title").GetString());

        // No declared length, a small file behind a huge other part: the body limit stops it.
        using (var chunked = new MultipartFormDataContent())
        {
            chunked.Add(new StreamContent(new UnseekableStream(new byte[1_500_000])), "padding");
            chunked.Add(new ByteArrayContent(await TestClip.BytesAsync()), "file", "clip.mp4");
            Assert.Null(chunked.Headers.ContentLength);
            var limited = await (await ana.Client.PostAsync("/api/videos", chunked)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            Assert.Equal(refusal, limited.GetProperty("title").GetString());
        }

        // A resumable upload declaring more than the limit is refused at creation; the limit itself is fine.
        var tooLong = await (await CreateUploadAsync(ana, 100_001)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(refusal, tooLong.GetProperty("title").GetString());
        using (var discover = new HttpRequestMessage(HttpMethod.Options, "/api/uploads"))
        {
            Assert.Equal("100000", (await ana.Client.SendAsync(discover)).Headers.GetValues("Tus-Max-Size").Single());
        }

        var atLimit = await CreateUploadAsync(ana, 100_000);
        Assert.Equal(HttpStatusCode.Created, atLimit.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync(atLimit.Headers.Location)).StatusCode);

        // Nothing of the refused uploads is left in the upload or scratch folders, and no video was made.
        Assert.Empty(Files(Path.Combine(strict.DataDirectory, "uploads")));
        Assert.Empty(Files(Path.Combine(strict.DataDirectory, "media-work")));
        Assert.Empty(Files(Path.Combine(strict.DataDirectory, "media", "videos")));
        Assert.Empty((await ana.Client.GetJsonAsync($"/api/users/{ana.Username}/videos")).Ids());
    }

    [Fact]
    public async Task A_limit_above_512_MiB_is_taken_and_the_upload_routes_follow_it()
    {
        await using var generous = await ReeltimeServer.StartAsync(s => s["Media:MaxUploadBytes"] = "629145600");
        var ana = await generous.NewUserAsync("bigfile");
        using (var discover = new HttpRequestMessage(HttpMethod.Options, "/api/uploads"))
        {
            Assert.Equal("629145600", (await ana.Client.SendAsync(discover)).Headers.GetValues("Tus-Max-Size").Single());
        }

        var created = await CreateUploadAsync(ana, 550L * 1024 * 1024);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.ToString();

        // A chunk declaring 540 MiB passes the body limit (it would not under a fixed 512 MiB) and reaches
        // the upload's own rule; one declaring more than the limit is refused with it.
        var passed = await PatchDeclaringAsync(ana, location, 540L * 1024 * 1024);
        await passed.AssertProblemAsync(HttpStatusCode.Conflict);
        var refused = await (await PatchDeclaringAsync(ana, location, 602L * 1024 * 1024)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("The file is larger than the limit of 600 MiB.", refused.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync(location)).StatusCode);
    }

    private static MultipartFormDataContent Form(HttpContent file)
    {
        file.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        return new MultipartFormDataContent { { new StringContent("too big"), "caption" }, { file, "file", "big.mp4" } };
    }

    private static IEnumerable<string> Files(string folder) => Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : [];

    private static async Task<HttpResponseMessage> CreateUploadAsync(TestUser user, long length)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", $"caption {Convert.ToBase64String("big #tus"u8.ToArray())}");
        return await user.Client.SendAsync(create);
    }

    // A chunk at a wrong offset whose declared length is large: the server answers before reading it, so
    // the bytes are produced only as far as the server asks for them.
    private static async Task<HttpResponseMessage> PatchDeclaringAsync(TestUser user, string location, long declared)
    {
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new DeclaredLengthContent(declared) };
        patch.Headers.Add("Tus-Resumable", "1.0.0");
        patch.Headers.Add("Upload-Offset", "1");
        patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return await user.Client.SendAsync(patch);
    }

    /// <summary>Zeros of a declared length, written only as fast as they are read.</summary>
    private sealed class DeclaredLengthContent(long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            for (long sent = 0; sent < length; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - sent)));
            }
        }

        protected override bool TryComputeLength(out long size)
        {
            size = length;
            return true;
        }
    }

    /// <summary>A body that declares the whole file, sends the first <paramref name="cut"/> bytes, then fails as a lost signal would.</summary>
    private sealed class DroppingContent(byte[] file, int cut) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(file.AsMemory(0, cut));
            await stream.FlushAsync();
            await Task.Delay(300);
            throw new IOException("The network went away.");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = file.Length;
            return true;
        }
    }

    /// <summary>Bytes whose length the client cannot know up front, so that they go chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    private static async Task<HttpResponseMessage> PatchAsync(TestUser user, string location, long offset, byte[] chunk)
    {
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(chunk) };
        patch.Headers.Add("Tus-Resumable", "1.0.0");
        patch.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return await user.Client.SendAsync(patch);
    }

    private static async Task<HttpResponseMessage> HeadAsync(TestUser user, string location)
    {
        using var head = new HttpRequestMessage(HttpMethod.Head, location);
        head.Headers.Add("Tus-Resumable", "1.0.0");
        return await user.Client.SendAsync(head);
    }
}
