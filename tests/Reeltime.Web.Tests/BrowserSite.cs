using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Reeltime.Platform.Events;

namespace Reeltime.Web.Tests;

/// <summary>
/// The real server (its own process, Kestrel on a free loopback port, a temporary data directory) serving the
/// built web client, and Debian's Chromium driven by Playwright. One per test collection: starting them is the
/// slow part.
/// </summary>
public sealed class BrowserSite : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "reeltime-web-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly SemaphoreSlim _catalogueGate = new(1, 1);
    private Process? _server;
    private IPlaywright? _playwright;
    private Catalogue? _catalogue;

    /// <summary>The server's address, e.g. http://127.0.0.1:41234.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The browser; each test opens its own contexts (separate cookie jars, as separate people).</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The repository's root (where Reeltime.slnx is).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Where screenshots go: artifacts/screenshots/ (git-ignored).</summary>
    public static string ScreenshotFolder => Path.Combine(RepositoryRoot, "artifacts", "screenshots");

    /// <summary>Appends one line of measured figures to artifacts/web-figures.txt (beside the screenshots).</summary>
    public static async Task RecordFigureAsync(string line)
    {
        var folder = Path.Combine(RepositoryRoot, "artifacts");
        Directory.CreateDirectory(folder);
        await File.AppendAllTextAsync(Path.Combine(folder, "web-figures.txt"), $"{DateTimeOffset.UtcNow:O} {line}\n");
    }

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Path.Combine(RepositoryRoot, "web", "dist", "index.html")),
            "The web client is not built: run 'npm ci && npm run build' in web/ (./reeltime test does it).");
        Assert.True(File.Exists(Chromium), "Chromium is missing: apt-get install chromium (./reeltime test does it).");
        Directory.CreateDirectory(_data);
        await StartServerAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Videos start muted without a click, as for a visitor; the sandbox needs user namespaces that
            // containers often lack.
            Args = ["--autoplay-policy=no-user-gesture-required", "--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        _catalogue?.Creator.Dispose();
        _catalogueGate.Dispose();
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process; the temp folder is cleaned by the system.
        }
    }

    /// <summary>
    /// Eight ready videos by one creator, seeded on first use and shared by the tests that only need a feed to
    /// watch: uploading and transcoding is the slow part, so it is done once per run.
    /// </summary>
    public async Task<Catalogue> CatalogueAsync()
    {
        await _catalogueGate.WaitAsync();
        try
        {
            if (_catalogue is null)
            {
                var (client, creator) = await NewUserAsync("tour");
                string[] colours = ["0x9b5de5", "0xf15bb5", "0xfee440", "0x00bbf9", "0x00f5d4", "0xff595e", "0x8ac926", "0xff924c"];
                var ids = new List<long>();
                foreach (var colour in colours)
                {
                    ids.Add(await UploadAsync(client, await Clips.MakeAsync(colour), $"Tour clip {ids.Count} #{Catalogue.Hashtag} @{creator}"));
                }

                await WaitReadyAsync(client, ids);
                _catalogue = new Catalogue(client, creator, ids);
            }

            return _catalogue;
        }
        finally
        {
            _catalogueGate.Release();
        }
    }

    /// <summary>
    /// The watch events the server took into its event log, read from the segment files in the data directory.
    /// The server answers 202 only once a batch is durable, so a batch it acknowledged is on disk here.
    /// </summary>
    /// <remarks>The files are read, never locked: the server keeps writing while a test reads.</remarks>
    public IReadOnlyList<LoggedEvent> ReadEventLog()
    {
        // Layout of a record (80 bytes, little-endian), as the log documents it: version at 4, type at 5,
        // surface at 6, user at 24, video at 32, watch time at 72, position at 76.
        const int RecordSize = 80;
        var folder = Path.Combine(_data, "events", "log");
        var events = new List<LoggedEvent>();
        foreach (var file in Directory.GetFiles(folder, "*.log").Order(StringComparer.Ordinal))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }

            for (var at = 0; at + RecordSize <= bytes.Length; at += RecordSize)
            {
                var record = bytes.AsSpan(at, RecordSize);
                if (record[4] != 1)
                {
                    // Not (yet) a written record: space beyond the last commit.
                    continue;
                }

                events.Add(new LoggedEvent((WatchEventType)record[5], (FeedSurface)record[6], BinaryPrimitives.ReadInt64LittleEndian(record[24..]),
                    BinaryPrimitives.ReadInt64LittleEndian(record[32..]), BinaryPrimitives.ReadInt32LittleEndian(record[72..]),
                    BinaryPrimitives.ReadInt32LittleEndian(record[76..])));
            }
        }

        return events;
    }

    /// <summary>A new browser context (a separate person) at the given viewport.</summary>
    public async Task<IPage> NewPageAsync(int width = 390, int height = 844, bool smoothScrolling = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Address.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ReducedMotion = smoothScrolling ? ReducedMotion.NoPreference : ReducedMotion.Reduce,
            HasTouch = width < 800,
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    /// <summary>An API client signed in as a new user (bearer token), for seeding content quickly.</summary>
    public async Task<(HttpClient Client, string Username)> NewUserAsync(string prefix)
    {
        var client = new HttpClient { BaseAddress = Address };
        var username = prefix + Guid.NewGuid().ToString("N")[..6];
        const string password = "correct horse battery";
        var registered = await client.PostAsJsonAsync("/api/auth/register", new { username, password });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var login = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (client, username);
    }

    /// <summary>Uploads a clip through the API and returns the new video's id (still processing).</summary>
    public static async Task<long> UploadAsync(HttpClient client, byte[] clip, string caption)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(caption), "caption" },
            { new StringContent("public"), "visibility" },
        };
        var file = new ByteArrayContent(clip);
        file.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(file, "file", "clip.mp4");
        var response = await client.PostAsync("/api/videos", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    /// <summary>Waits until every video is ready (the media pipeline has published it).</summary>
    public static Task WaitReadyAsync(HttpClient client, IEnumerable<long> ids) => WaitReadyAsync(ids.Select(id => (client, id)));

    /// <summary>Waits until every video is ready, each looked up by its author (others cannot see it while it is processing).</summary>
    public static async Task WaitReadyAsync(IEnumerable<(HttpClient Client, long Id)> videos)
    {
        var clock = Stopwatch.StartNew();
        foreach (var (client, id) in videos)
        {
            while (true)
            {
                var video = await client.GetFromJsonAsync<JsonElement>($"/api/videos/{id}");
                var status = video.GetProperty("status").GetString();
                if (status == "ready")
                {
                    break;
                }

                Assert.True(status is "processing" or "uploaded", $"video {id} is {status}: {video}");
                // Generous: the pipeline shares two cores with whatever else runs.
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(12), $"the media pipeline did not finish within twelve minutes; video {id} is still {status}: {video}");
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Saves a screenshot under artifacts/screenshots/ for a person to look at.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var size = page.ViewportSize!;
        var kind = size.Width < 800 ? "phone" : "desktop";
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, $"{name}-{kind}.png") });
    }

    private async Task StartServerAsync()
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Address = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Reeltime.Server.dll"));
        string[] settings = ["--urls", Address.ToString(), "--Data", _data, "--Demo", "0", "--Web:Root", Path.Combine(RepositoryRoot, "web", "dist"),
            "--SignInPermitsPerMinute", "1000", "--EventBatchesPerSecond", "1000"];
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        _server = Process.Start(start)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        using var probe = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_server.HasExited, "the server exited at start");
            try
            {
                if ((await probe.GetAsync("/health/live")).IsSuccessStatusCode)
                {
                    return;
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

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Reeltime.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Reeltime.slnx not found above the test binaries.");
    }
}

/// <summary>The shared videos of <see cref="BrowserSite.CatalogueAsync"/>, oldest first, and their creator's API client.</summary>
public sealed record Catalogue(HttpClient Creator, string CreatorName, IReadOnlyList<long> Videos)
{
    /// <summary>The hashtag every caption of the catalogue carries, and nothing else does.</summary>
    public const string Hashtag = "tour";
}

/// <summary>One event as the server's event log holds it.</summary>
public sealed record LoggedEvent(WatchEventType Type, FeedSurface Surface, long UserId, long VideoId, int WatchTimeMs, int PositionMs);

/// <summary>The tests that share one server and browser.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserSite>
{
    public const string Name = "browser";
}

/// <summary>Clips made by ffmpeg once and cached in the temp folder: H.264/AAC MP4 with faststart, so Chromium plays them.</summary>
public static class Clips
{
    /// <summary>A short portrait clip with a tone; the colour makes topics tell apart on screenshots.</summary>
    public static async Task<byte[]> MakeAsync(string colour, double seconds = 2)
    {
        var name = $"reeltime-web-clip-{colour}-{seconds:0.#}s-v1.mp4";
        var path = Path.Combine(Path.GetTempPath(), name);
        if (!File.Exists(path))
        {
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".mp4";
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            var d = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var a in new[]
            {
                "-hide_banner", "-nostdin", "-y", "-v", "error",
                "-f", "lavfi", "-i", $"color=c={colour}:s=180x320:r=15:d={d},drawgrid=w=30:h=30:t=2:c=white@0.5",
                "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=44100:duration={d}",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", "-shortest", temp,
            })
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"ffmpeg could not make the clip: {errors}");
            File.Move(temp, path, overwrite: true);
        }

        return await File.ReadAllBytesAsync(path);
    }

    /// <summary>The path of a cached clip, for the browser's file picker.</summary>
    public static async Task<string> PathAsync(string colour, double seconds = 2)
    {
        await MakeAsync(colour, seconds);
        return Path.Combine(Path.GetTempPath(), $"reeltime-web-clip-{colour}-{seconds:0.#}s-v1.mp4");
    }
}
