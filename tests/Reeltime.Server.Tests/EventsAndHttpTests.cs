using System.Net;
using System.Text;
using System.Text.Json;
using Reeltime.Platform.Events;

namespace Reeltime.Server.Tests;

public sealed class EventsAndHttpTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_batch_of_events_is_durable_in_the_log_stamped_with_user_and_server_time()
    {
        var ana = await server.NewUserAsync("watcher");
        var log = server.Services.GetRequiredService<IEventLog>();
        var clientTime = Now - 1000;
        var events = Enumerable.Range(1, 100).Select(i => new { type = i % 2 == 0 ? "progress" : "not-interested", videoId = 1000 + i, watchTimeMs = i * 10, positionMs = i, clientTime, sessionId = 77, surface = "for-you" });
        var response = await ana.Client.PostAsJsonAsync("/api/events", new { events });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var first = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("firstOffset").GetInt64();

        var buffer = new LoggedEvent[100];
        Assert.Equal(100, await log.ReadAsync(first, buffer));
        Assert.All(buffer, e => Assert.Equal(ana.Id, e.Event.UserId));
        Assert.Equal(Enumerable.Range(1001, 100).Select(i => (long)i), buffer.Select(e => e.Event.VideoId));
        Assert.Equal(WatchEventType.NotInterested, buffer[0].Event.Type);
        Assert.Equal(WatchEventType.Progress, buffer[1].Event.Type);
        Assert.Equal(clientTime, buffer[0].Event.ClientTimeMs);
        Assert.InRange(buffer[0].Event.ServerTimeMs, Now - 60_000, Now + 1000);
        Assert.Equal(FeedSurface.ForYou, buffer[0].Event.Surface);
    }

    [Fact]
    public async Task Likes_follows_and_unfollows_reach_the_log_too()
    {
        var ana = await server.NewUserAsync("logged");
        var ben = await server.NewUserAsync("logger");
        var log = server.Services.GetRequiredService<IEventLog>();
        var id = await ana.UploadAsync("log me");
        var before = log.NextOffset;
        await ben.Client.PostAsync($"/api/videos/{id}/like", null);
        await ben.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        await ben.Client.DeleteAsync($"/api/users/{ana.Username}/follow");
        await ben.Client.DeleteAsync($"/api/users/{ana.Username}/follow");
        var buffer = new LoggedEvent[64];
        var read = await log.ReadAsync(before, buffer);
        var mine = buffer.Take(read).Where(e => e.Event.UserId == ben.Id).ToList();
        Assert.Contains(mine, e => e.Event.Type == WatchEventType.Like && e.Event.VideoId == id && e.Event.CreatorId == ana.Id);
        Assert.Contains(mine, e => e.Event.Type == WatchEventType.Follow && e.Event.CreatorId == ana.Id);

        // Unfollowing twice is one change of the graph, so one event.
        Assert.Single(mine, e => e.Event.Type == WatchEventType.Unfollow && e.Event.CreatorId == ana.Id);
    }

    [Fact]
    public async Task A_runaway_client_is_throttled_per_user_without_slowing_others()
    {
        var noisy = await server.NewUserAsync("noisy");
        var quiet = await server.NewUserAsync("quiet");
        var t = Now;
        var body = new { events = new[] { new { type = "play", videoId = 1, clientTime = t } } };

        // 60 at once against 20 a second: even straddling a window edge, some must be refused.
        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => noisy.Client.PostAsJsonAsync("/api/events", body)));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests }));
        Assert.Equal("application/problem+json", refused[0].Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.Accepted, (await quiet.Client.PostAsJsonAsync("/api/events", body)).StatusCode);
    }

    [Fact]
    public async Task Invalid_batches_are_refused_whole_with_the_reason_of_each_event()
    {
        var ana = await server.NewUserAsync("badevents");
        var log = server.Services.GetRequiredService<IEventLog>();
        var before = log.NextOffset;
        var t = Now;

        var tooMany = Enumerable.Range(0, 501).Select(_ => new { type = "play", videoId = 1, clientTime = t });
        await (await ana.Client.PostAsJsonAsync("/api/events", new { events = tooMany })).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await ana.Client.PostAsJsonAsync("/api/events", new { events = Array.Empty<object>() })).AssertProblemAsync(HttpStatusCode.BadRequest);

        var mixed = new object[]
        {
            new { type = "play", videoId = 1, clientTime = t },
            new { type = "teleport", videoId = 1, clientTime = t },
            new { type = "play", videoId = -4, clientTime = t },
            new { type = "play", videoId = 1, clientTime = t, watchTimeMs = -1 },
            new { type = "play", videoId = 1, clientTime = 0 },
            new { type = "play", videoId = 1, clientTime = t, surface = "moon" },
        };
        var problem = await (await ana.Client.PostAsJsonAsync("/api/events", new { events = mixed })).AssertProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.Equal(["events[1]", "events[2]", "events[3]", "events[4]", "events[5]"], errors.EnumerateObject().Select(p => p.Name));
        Assert.Contains("teleport", errors.GetProperty("events[1]")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, log.NextOffset);
    }

    [Theory]
    [InlineData("{\"events\": [")]
    [InlineData("not json at all")]
    [InlineData("{\"events\": [{\"type\": \"play\", \"videoId\": \"abc\"}]}")]
    [InlineData("{\"events\": [{\"type\": \"play\", \"videoId\": 99999999999999999999999}]}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"events\": null}")]
    public async Task Malformed_json_is_a_bad_request_not_a_crash(string body)
    {
        var ana = await server.NewUserAsync("malformed");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        await (await ana.Client.PostAsync("/api/events", content)).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Oversized_bodies_are_refused()
    {
        var ana = await server.NewUserAsync("oversized");
        var huge = "{\"events\":[" + string.Join(',', Enumerable.Repeat("{\"type\":\"play\",\"videoId\":1,\"clientTime\":1,\"surface\":\"" + new string('x', 1000) + "\"}", 400)) + "]}";
        using var content = new StringContent(huge, Encoding.UTF8, "application/json");
        await (await ana.Client.PostAsync("/api/events", content)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        using var register = new StringContent("{\"username\":\"" + new string('a', 2_000_000) + "\"}", Encoding.UTF8, "application/json");
        await (await server.Visitor().PostAsync("/api/auth/register", register)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task The_openapi_document_and_the_reference_are_served()
    {
        var visitor = server.Visitor();
        var doc = await visitor.GetJsonAsync("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        foreach (var route in new[] { "/api/auth/register", "/api/auth/login", "/api/events", "/api/feed/for-you", "/api/videos/{id}", "/api/search" })
        {
            Assert.True(paths.TryGetProperty(route, out _), $"{route} is missing from the OpenAPI document");
        }

        var docs = await visitor.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("text/html", docs.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_security_headers()
    {
        var visitor = server.Visitor();
        Assert.Equal(HttpStatusCode.OK, (await visitor.GetAsync("/health/live")).StatusCode);
        var ready = await visitor.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var response = await visitor.GetAsync("/api/feed/for-you");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_with_problem_details()
    {
        var visitor = server.Visitor();
        await (await visitor.GetAsync("/api/no/such/thing")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await visitor.GetAsync("/api/videos/99999999")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await visitor.GetAsync("/api/videos/not-a-number")).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
