using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Benchmarks;

/// <summary>
/// A synthetic engine at the scale (default 1,000,000 videos, 100,000 users, 64 dimensions; set
/// REELTIME_BENCH_VIDEOS / REELTIME_BENCH_USERS to shrink it), built once per process: the catalogue, a
/// warm-up of events so vectors, interests, trends and co-watch lists exist, and the ANN index.
/// </summary>
internal static class EngineAtScale
{
    private static ForYouEngine? s_engine;

    public static int Videos => int.TryParse(Environment.GetEnvironmentVariable("REELTIME_BENCH_VIDEOS"), out var v) ? v : 1_000_000;

    public static int Users => int.TryParse(Environment.GetEnvironmentVariable("REELTIME_BENCH_USERS"), out var u) ? u : 100_000;

    public const int Topics = 500;

    public static ForYouEngine Engine => s_engine ??= Build();

    /// <summary>Events of a viewer's session: served, then a completion for the viewer's topics and a skip otherwise.</summary>
    public static LoggedEvent[] Events(int count, long firstOffset, int seed, long startMs)
    {
        var random = new Random(seed);
        var events = new LoggedEvent[count];
        var t = startMs;
        for (var i = 0; i < count; i++)
        {
            var user = 1 + random.Next(Users);
            var topic = (user * 7) % Topics;
            var video = random.Next(3) == 0 ? 1 + (topic + (Topics * random.Next(Videos / Topics))) : 1 + random.Next(Videos);
            t += 1;
            var type = (i % 3) switch
            {
                0 => WatchEventType.Served,
                1 => (video - 1) % Topics == topic ? WatchEventType.Complete : WatchEventType.Skip,
                _ => random.Next(10) == 0 ? WatchEventType.Like : WatchEventType.Progress,
            };
            events[i] = new LoggedEvent(firstOffset + i, new WatchEvent(type, user, Math.Min(video, Videos), 0, 1, 9_000, 9_000, t, t, FeedSurface.ForYou));
        }

        return events;
    }

    private static ForYouEngine Build()
    {
        var clock = TimeProvider.System;
        var engine = new ForYouEngine(new EngineOptions { Dimensions = 64 }, clock);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var watch = Stopwatch.StartNew();
        const int Page = 50_000;
        for (var start = 1; start <= Videos; start += Page)
        {
            var page = new List<CatalogVideo>(Page);
            for (var v = start; v < start + Page && v <= Videos; v++)
            {
                var topic = (v - 1) % Topics;
                page.Add(new CatalogVideo(v, 1 + (v % 50_000), "c" + (v % 50_000), [new CatalogHashtag(1 + topic, "t" + topic), new CatalogHashtag(10_000 + (v % 37), "g" + (v % 37))],
                    15_000 + (v % 45_000), now - ((Videos - v) * 600L), true));
            }

            engine.UpsertVideos(page);
        }

        Console.WriteLine($"// catalogue and index of {Videos:N0} videos built in {watch.Elapsed.TotalSeconds:N0} s");
        watch.Restart();
        var offset = 0L;
        for (var batch = 0; batch < Math.Max(1, Users / 2_000); batch++)
        {
            engine.Apply(Events(30_000, offset, batch, now));
            offset += 30_000;
        }

        Console.WriteLine($"// {offset:N0} warm-up events applied in {watch.Elapsed.TotalSeconds:N0} s; {engine.Statistics()}");
        return engine;
    }
}

/// <summary>A whole feed request: sources (about 1,000 candidates), ranking, re-ranking, a page of ten (asked for 35 as the server does).</summary>
[MemoryDiagnoser]
public class ForYouFeedRequestBenchmarks
{
    private ForYouEngine _engine = null!;
    private int _next;

    [GlobalSetup]
    public void Setup() => _engine = EngineAtScale.Engine;

    [Benchmark]
    public int FeedRequest()
    {
        var user = 1 + (Interlocked.Increment(ref _next) * 7919 % EngineAtScale.Users);
        return _engine.Recommend(new RecommendationRequest(user, 35, Seed: _next)).Count;
    }
}

/// <summary>Events into the model: labels, interests, embeddings (Adagrad), co-watch, trends, impression join, bounded index refresh.</summary>
[MemoryDiagnoser]
public class ForYouIngestBenchmarks
{
    private const int Batch = 4_096;
    private ForYouEngine _engine = null!;
    private LoggedEvent[] _events = [];
    private long _offset;

    [GlobalSetup]
    public void Setup()
    {
        _engine = EngineAtScale.Engine;
        _offset = _engine.AppliedOffset;
        _events = EngineAtScale.Events(Batch * 64, 0, 99, TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void ApplyEvents()
    {
        var slice = _events.AsSpan((int)(_offset % 64) * Batch, Batch).ToArray();
        for (var i = 0; i < slice.Length; i++)
        {
            slice[i] = slice[i] with { Offset = _offset + i };
        }

        _engine.Apply(slice);
        _offset += Batch;
    }
}
