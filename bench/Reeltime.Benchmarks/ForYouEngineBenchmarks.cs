using BenchmarkDotNet.Attributes;
using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;
using Reeltime.Simulation;

namespace Reeltime.Benchmarks;

/// <summary>
/// The synthetic engine of <see cref="CatalogueAtScale"/> at the scale (default 1,000,000 videos,
/// 100,000 users, 64 dimensions; set REELTIME_BENCH_VIDEOS / REELTIME_BENCH_USERS to shrink it), built once per process.
/// </summary>
internal static class EngineAtScale
{
    private static ForYouEngine? s_engine;

    public static int Videos => int.TryParse(Environment.GetEnvironmentVariable("REELTIME_BENCH_VIDEOS"), out var v) ? v : 1_000_000;

    public static int Users => int.TryParse(Environment.GetEnvironmentVariable("REELTIME_BENCH_USERS"), out var u) ? u : 100_000;

    public static CatalogueAtScale Catalogue { get; } = new(Videos, Users);

    public static ForYouEngine Engine => s_engine ??= Catalogue.Build(new EngineOptions { Dimensions = 64 }, TimeProvider.System, line => Console.WriteLine("// " + line));

    public static LoggedEvent[] Events(int count, long firstOffset, int seed, long startMs) => Catalogue.Events(count, firstOffset, seed, startMs);
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

/// <summary>
/// Events into the model: labels, interests, embeddings (Adagrad), co-watch, trends, impression join, bounded
/// index refresh. Each invocation applies 64 batches of 4,096 events that the engine has not seen.
/// </summary>
/// <remarks>
/// Fresh events for every invocation, made outside the timed part: replaying one fixed set under new offsets
/// would find most of its labels already learned (a view's long watch, completion and like count once) and
/// would time little more than those checks, about ten times faster than real ingestion.
/// </remarks>
[MemoryDiagnoser]
public class ForYouIngestBenchmarks
{
    private const int Batch = 4_096;
    private const int BatchesPerInvocation = 64;
    private ForYouEngine _engine = null!;
    private LoggedEvent[][] _batches = [];
    private int _seed = 1_000;

    [GlobalSetup]
    public void Setup() => _engine = EngineAtScale.Engine;

    [IterationSetup]
    public void NextEvents()
    {
        var events = EngineAtScale.Events(Batch * BatchesPerInvocation, _engine.AppliedOffset, _seed++, TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
        _batches = [.. events.Chunk(Batch)];
    }

    [Benchmark(OperationsPerInvoke = Batch * BatchesPerInvocation)]
    public void ApplyEvents()
    {
        foreach (var batch in _batches)
        {
            _engine.Apply(batch);
        }
    }
}
