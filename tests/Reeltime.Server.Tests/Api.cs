using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Reeltime.Server.Tests;

/// <summary>Small steps every test takes, each asserting that it worked.</summary>
public static class Api
{
    public static async Task<long> UploadAsync(this TestUser user, string caption, string visibility = "public")
    {
        using var form = new MultipartFormDataContent();
        var bytes = new ByteArrayContent("not yet a real video: the media issue adds the pipeline"u8.ToArray());
        bytes.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(bytes, "file", "clip.mp4");
        form.Add(new StringContent(caption), "caption");
        form.Add(new StringContent(visibility), "visibility");
        var response = await user.Client.PostAsync("/api/videos", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("id").GetInt64();
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
