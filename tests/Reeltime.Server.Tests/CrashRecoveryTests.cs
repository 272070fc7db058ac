using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;

namespace Reeltime.Server.Tests;

/// <summary>
/// The server as a real process, killed with SIGKILL while it transcodes (or just after it took an upload),
/// then started again on the same data: the job must be retried to completion, nothing half-written served,
/// scratch space cleaned, and the ffmpeg the killed server left running ended by the new one.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "reeltime-kill-" + Guid.NewGuid().ToString("N"));
    private string? _postgresDatabase;

    public async Task InitializeAsync()
    {
        if (ReeltimeServer.OnPostgres)
        {
            _postgresDatabase = "reeltime_kill_" + Guid.NewGuid().ToString("N");
            await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("REELTIME_TEST_POSTGRES"));
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_postgresDatabase}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    public async Task DisposeAsync()
    {
        // Only a failed test leaves tools running (the restarted server ends them); do not let it burn the CPU.
        foreach (var id in ToolsWorkingIn(_data))
        {
            try
            {
                using var leftover = Process.GetProcessById(id);
                leftover.Kill();
            }
            catch (ArgumentException)
            {
                // It ended meanwhile.
            }
        }

        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("REELTIME_TEST_POSTGRES"));
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task A_server_killed_mid_transcode_finishes_the_job_after_a_restart()
    {
        // Long and large enough that the kill lands while ffmpeg is still working.
        var clip = await TestClip.MakeAsync("reeltime-kill-test-clip-v1.mp4",
            "-f", "lavfi", "-i", "testsrc2=s=720x1280:r=30:d=12", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=12",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac");

        long id;
        HttpClient client;
        await using (var first = await ServerProcess.StartAsync(_data, Settings()))
        {
            client = await first.SignedInClientAsync();
            id = await UploadAsync(client, clip);
            // Killed once ffmpeg itself is at work in scratch. A fixed 700 ms after the work folder appeared was
            // sometimes still the probe on a loaded machine, and then nothing was left running to orphan.
            await WaitUntilAsync(() => Directory.Exists(WorkFolder) && ToolsWorkingIn(WorkFolder, "ffmpeg").Count > 0, TimeSpan.FromMinutes(1), "ffmpeg to start transcoding");
            await Task.Delay(300); // inside the transcode: ffmpeg is writing renditions now
            first.Kill();
        }

        // Killed: the video is not ready, and nothing of it is published under the media it would be served from.
        Assert.False(Directory.Exists(Path.Combine(_data, "media", "videos", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "media")),
            "a rendition was published although the job never finished");

        // The kill took the server but not its ffmpeg, which goes on writing into the scratch folder.
        var orphans = ToolsWorkingIn(WorkFolder);
        Assert.NotEmpty(orphans);

        // The new server ends them before it empties scratch space and retries the job (it is listening
        // only once its hosted services, the worker's clean-up among them, have started).
        await using var second = await ServerProcess.StartAsync(_data, Settings());
        Assert.Empty(ToolsWorkingIn(WorkFolder).Intersect(orphans));
        using var again = second.Client(client.DefaultRequestHeaders.Authorization!);
        var video = await WaitForReadyAsync(again, id);
        Assert.Equal("ready", video.GetProperty("status").GetString());

        var mp4 = video.GetProperty("playback").GetProperty("mp4").GetString()!;
        using var response = await again.GetAsync(mp4);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("video/mp4", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(bytes.Length > 10_000, $"the rendition has only {bytes.Length} bytes");

        // The crashed run's scratch space is gone, and no interrupted store write is left behind.
        Assert.Empty(Directory.Exists(WorkFolder) ? Directory.EnumerateDirectories(WorkFolder) : []);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_data, "media"), "*.tmp*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_server_killed_right_after_accepting_an_upload_processes_it_after_a_restart()
    {
        long id;
        HttpClient client;
        await using (var first = await ServerProcess.StartAsync(_data, Settings()))
        {
            client = await first.SignedInClientAsync();
            id = await UploadAsync(client, await TestClip.BytesAsync());
            first.Kill();
        }

        // Whatever the moment (job queued, claimed, or just started), the 202 was a promise the restart keeps.
        await using var second = await ServerProcess.StartAsync(_data, Settings());
        using var again = second.Client(client.DefaultRequestHeaders.Authorization!);
        var video = await WaitForReadyAsync(again, id);
        Assert.Equal("ready", video.GetProperty("status").GetString());
        Assert.InRange(video.GetProperty("durationMs").GetInt32(), 900, 1100);
        using var poster = await again.GetAsync(video.GetProperty("posterUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, poster.StatusCode);
        Assert.Empty(ToolsWorkingIn(WorkFolder));
        Assert.Empty(Directory.Exists(WorkFolder) ? Directory.EnumerateDirectories(WorkFolder) : []);
    }

    private string WorkFolder => Path.Combine(_data, "media-work");

    private Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Media:JobLease"] = "00:00:02",
            ["Media:PollInterval"] = "00:00:00.200",
            ["Media:RetryDelay"] = "00:00:00",
            ["Media:Preset"] = "ultrafast",
            ["Media:Workers"] = "1",
            ["SignInPermitsPerMinute"] = "1000",
        };
        if (_postgresDatabase is not null)
        {
            settings["Database:PostgreSql"] = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("REELTIME_TEST_POSTGRES")) { Database = _postgresDatabase }.ConnectionString;
        }

        return settings;
    }

    private static async Task<long> UploadAsync(HttpClient client, byte[] clip)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(clip);
        file.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(new StringContent("survives a crash #kill9"), "caption");
        form.Add(new StringContent("public"), "visibility");
        form.Add(file, "file", "clip.mp4");
        using var response = await client.PostAsync("/api/videos", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> WaitForReadyAsync(HttpClient client, long id)
    {
        var until = Stopwatch.StartNew();
        while (true)
        {
            var video = await client.GetJsonAsync($"/api/videos/{id}");
            if (video.GetProperty("status").GetString() is "ready" or "failed" || until.Elapsed > TimeSpan.FromMinutes(3))
            {
                return video;
            }

            await Task.Delay(250);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    // The ffmpeg and ffprobe processes working in a folder under the given one (the pipeline runs them in a
    // job's folder with relative paths), read from /proc as an operator would: the test's own look.
    private static List<int> ToolsWorkingIn(string folder, params string[] tools)
    {
        List<int> found = [];
        foreach (var process in (tools.Length == 0 ? ["ffmpeg", "ffprobe"] : tools).SelectMany(Process.GetProcessesByName))
        {
            try
            {
                var workingIn = new DirectoryInfo($"/proc/{process.Id}/cwd").LinkTarget ?? "";
                if (workingIn.StartsWith(folder + "/", StringComparison.Ordinal) && File.ReadAllText($"/proc/{process.Id}/cmdline").Length > 0)
                {
                    found.Add(process.Id);
                }
            }
            catch (IOException)
            {
                // It ended meanwhile.
            }
            finally
            {
                process.Dispose();
            }
        }

        return found;
    }

    /// <summary>The built server, run as its own process on a free loopback port.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Uri _address;

        private ServerProcess(Process process, Uri address)
        {
            _process = process;
            _address = address;
        }

        public static async Task<ServerProcess> StartAsync(string data, Dictionary<string, string> settings)
        {
            var port = FreePort();
            var address = new Uri($"http://127.0.0.1:{port}");
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Reeltime.Server.dll"));
            foreach (var (key, value) in new Dictionary<string, string>(settings, StringComparer.Ordinal) { ["urls"] = address.ToString(), ["Data"] = data, ["Demo"] = "0" })
            {
                start.ArgumentList.Add("--" + key);
                start.ArgumentList.Add(value);
            }

            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new ServerProcess(process, address);
            using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(process.HasExited, "the server process exited at start");
                try
                {
                    using var live = await probe.GetAsync("/health/live");
                    if (live.IsSuccessStatusCode)
                    {
                        return server;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Not answering yet.
                }

                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "the server did not start within a minute");
                await Task.Delay(100);
            }
        }

        public HttpClient Client(AuthenticationHeaderValue? authorization = null)
        {
            var client = new HttpClient { BaseAddress = _address };
            client.DefaultRequestHeaders.Authorization = authorization;
            return client;
        }

        public async Task<HttpClient> SignedInClientAsync()
        {
            var client = Client();
            var username = "survivor" + Guid.NewGuid().ToString("N")[..8];
            const string password = "correct horse battery";
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/auth/register", new { username, password })).StatusCode);
            var login = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }

        /// <summary>SIGKILL: no shutdown hooks, no flushing, as a power cut or the OOM killer would.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
            return ValueTask.CompletedTask;
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
