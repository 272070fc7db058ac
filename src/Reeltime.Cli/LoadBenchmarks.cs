using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HdrHistogram;

namespace Reeltime.Cli;

/// <summary>Durable events per second through the real HTTP endpoint of a running server.</summary>
internal static class EventsBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Required("url").TrimEnd('/');
        var seconds = options.Int("seconds", 10);
        var batch = options.Int("batch", 100);
        var concurrency = options.Int("concurrency", 16);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = new Uri(url) };

        // One seeded user per client, as a crowd of viewers would be (see `admin seed`).
        var tokens = Enumerable.Range(1, concurrency).Select(id => BenchTokens.For(id)).ToArray();

        // One body reused by every request: the benchmark measures the server, not the client's JSON.
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        var events = Enumerable.Range(0, batch).Select(i => new { type = "progress", videoId = 1 + i, watchTimeMs = 1000 + i, positionMs = 500, clientTime = now, sessionId = 42, surface = "for-you" });
        var body = JsonSerializer.SerializeToUtf8Bytes(new { events });

        var latencies = new LongHistogram(TimeStamp.Minutes(1), 3);
        long accepted = 0, failed = 0;
        var stopwatch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, concurrency).Select(async worker =>
        {
            while (stopwatch.Elapsed < deadline)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[worker]);
                var start = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request);
                var elapsed = Stopwatch.GetTimestamp() - start;
                lock (latencies)
                {
                    latencies.RecordValue(elapsed);
                }

                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Add(ref accepted, batch);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        });
        await Task.WhenAll(workers);
        var total = stopwatch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"events: {accepted:N0} durable events in {total:F1} s = {accepted / total:N0} events/s (batch {batch}, {concurrency} concurrent clients, {failed} failed requests); request latency p50 {Ms(latencies, 50):F2} ms, p99 {Ms(latencies, 99):F2} ms"));
        return failed == 0 ? 0 : 1;
    }

    internal static double Ms(LongHistogram histogram, double percentile) =>
        histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// Following-feed latency at a fixed request rate (open loop: each request is timed from when it was due,
/// so a slow server cannot hide its queueing), acting as seeded users.
/// </summary>
internal static class FeedBenchmark
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = options.Required("url").TrimEnd('/');
        var rate = options.Int("rate", 100);
        var seconds = options.Int("seconds", 30);
        var users = options.Int("users", 1000);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        var tokens = Enumerable.Range(1, users).Select(id => BenchTokens.For(id)).ToArray();

        // Warm up: the first requests pay for JIT and cold caches.
        for (var i = 0; i < 200; i++)
        {
            await SendAsync(http, tokens[i % tokens.Length]);
        }

        var latencies = new LongHistogram(TimeStamp.Minutes(1), 3);
        long failed = 0, items = 0;
        var interval = Stopwatch.Frequency / (double)rate;
        var total = rate * seconds;
        var inflight = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            // Sleep until the request is due, without spinning: on a small machine a spinning load tool takes
            // the cores the server and the database need. A request sent a millisecond late still counts that
            // millisecond against the server, since latency is measured from when it was due.
            var due = start + (long)(i * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var token = tokens[i % tokens.Length];
            inflight.Add(Task.Run(async () =>
            {
                bool ok;
                int count;
                try
                {
                    (ok, count) = await SendAsync(http, token);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // A request that fails or outlives the client's timeout counts as failed, at its full wait.
                    (ok, count) = (false, 0);
                }

                var elapsed = Math.Clamp(Stopwatch.GetTimestamp() - due, 0, latencies.HighestTrackableValue);
                lock (latencies)
                {
                    latencies.RecordValue(elapsed);
                }

                Interlocked.Add(ref items, count);
                if (!ok)
                {
                    Interlocked.Increment(ref failed);
                }
            }));
        }

        await Task.WhenAll(inflight);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"feed: {total:N0} following-feed requests at {rate}/s over {seconds} s as {users:N0} users: p50 {EventsBenchmark.Ms(latencies, 50):F2} ms, p90 {EventsBenchmark.Ms(latencies, 90):F2} ms, p99 {EventsBenchmark.Ms(latencies, 99):F2} ms, max {EventsBenchmark.Ms(latencies, 100):F2} ms; {(double)items / total:F1} items per page; {failed} failed"));
        return failed == 0 ? 0 : 1;
    }

    private static async Task<(bool Ok, int Items)> SendAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/feed/following?count=10");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (false, 0);
        }

        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return (true, doc.RootElement.GetProperty("items").GetArrayLength());
    }
}
