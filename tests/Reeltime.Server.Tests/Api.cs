using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Reeltime.Server.Tests;

/// <summary>Small steps every test takes, each asserting that it worked.</summary>
public static class Api
{
    /// <summary>Uploads a real one-second clip and waits until the media pipeline has made it ready.</summary>
    public static async Task<long> UploadAsync(this TestUser user, string caption, string visibility = "public")
    {
        var id = await UploadFileAsync(user, await TestClip.BytesAsync(), caption, visibility);
        var video = await user.WaitForVideoAsync(id);
        Assert.True(video.GetProperty("status").GetString() == "ready", $"video {id} did not become ready: {video}");
        return id;
    }

    /// <summary>
    /// Records a ready video's metadata through the platform, without media: for tests about lists, counts and
    /// search, where transcoding a clip per video would only make them slow.
    /// </summary>
    public static Task<long> PostMetadataAsync(this ReeltimeServer server, TestUser user, string caption, string visibility = "public") =>
        server.Services.PostVideoInStatusAsync(user, caption, Reeltime.Platform.Storage.VideoStatus.Ready, visibility);

    /// <summary>
    /// Records a ready public video of <paramref name="durationMs"/> through the platform, without media: for the
    /// For You tests, which are about what the engine learns from the catalogue and the events. A real upload
    /// per video (about 1.4 s of ffmpeg each) made them most of the suite's time; the upload path has tests of
    /// its own, and the engine's visibility test still uploads for real.
    /// </summary>
    public static async Task<long> PostReadyVideoAsync(this IServiceProvider services, TestUser user, string caption, int durationMs = 1000)
    {
        var id = await services.PostVideoInStatusAsync(user, caption, Reeltime.Platform.Storage.VideoStatus.Processing);
        await services.FinishProcessingAsync(id, durationMs);
        return id;
    }

    /// <summary>Records a video in <paramref name="status"/> without media (so with no length yet), as an upload is before its media is made.</summary>
    public static async Task<long> PostVideoInStatusAsync(this IServiceProvider services, TestUser user, string caption, Reeltime.Platform.Storage.VideoStatus status, string visibility = "public")
    {
        await using var scope = services.CreateAsyncScope();
        var library = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Videos.VideoLibrary>();
        var outcome = await library.CreateAsync(user.Id, new Reeltime.Platform.Videos.NewVideo(caption, visibility), status, null, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.Failure?.ToString());
        return outcome.Value;
    }

    /// <summary>What the media room reports when a video's media is made: ready, with its length and size.</summary>
    public static async Task FinishProcessingAsync(this IServiceProvider services, long videoId, int durationMs = 1000)
    {
        await using var scope = services.CreateAsyncScope();
        var library = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Videos.VideoLibrary>();
        await library.SetStatusAsync(videoId, Reeltime.Platform.Storage.VideoStatus.Ready, null, 100, durationMs, 160, 284, CancellationToken.None);
    }

    /// <summary>Uploads bytes as a video and returns its id (202), without waiting for processing.</summary>
    public static async Task<long> UploadFileAsync(this TestUser user, byte[] file, string caption, string visibility = "public")
    {
        using var form = new MultipartFormDataContent();
        var bytes = new ByteArrayContent(file);
        bytes.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(new StringContent(caption), "caption");
        form.Add(new StringContent(visibility), "visibility");
        form.Add(bytes, "file", "clip.mp4");
        var response = await user.Client.PostAsync("/api/videos", form);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"upload: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("processing", body.GetProperty("status").GetString());
        return body.GetProperty("id").GetInt64();
    }

    /// <summary>Polls the author's view of a video until it is ready or failed (or a minute passes).</summary>
    public static async Task<JsonElement> WaitForVideoAsync(this TestUser user, long id)
    {
        var until = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var video = await user.Client.GetJsonAsync($"/api/videos/{id}");
            if (video.GetProperty("status").GetString() is "ready" or "failed" || DateTime.UtcNow > until)
            {
                return video;
            }

            await Task.Delay(100);
        }
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"GET {url}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object? body = null)
    {
        return await client.PostAsJsonAsync(url, body ?? new { });
    }

    public static List<long> Ids(this JsonElement page, string property = "items") =>
        [.. page.GetProperty(property).EnumerateArray().Select(i => i.TryGetProperty("video", out var v) ? v.GetProperty("id").GetInt64() : i.GetProperty("id").GetInt64())];

    /// <summary>
    /// Asserts that text sent as a JSON escape was refused with a reason: a lone surrogate by the JSON reader,
    /// before any field is read, with a title that says so; anything else by the rule of <paramref name="field"/>.
    /// </summary>
    public static async Task AssertTextRefusedAsync(this HttpResponseMessage response, string field, string escaped)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        if (escaped.Contains("\\ud", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Contains("valid Unicode", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), problem.GetRawText());
        }
    }

    /// <summary>Asserts an RFC 9457 problem with the status and a title a person can read, and no stack trace.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        return problem;
    }
}
