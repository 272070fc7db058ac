using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using Reeltime.Platform.Events;
using Reeltime.Recommendation.Engine;
using Reeltime.Simulation;

namespace Reeltime.Cli;

/// <summary>
/// The For You engine's figures at scale, in-process, on one core: the distribution of whole feed requests
/// (BenchmarkDotNet reports means of batches, not the per-request tail the issue asks about), events per second
/// into the model, how soon an event shows in the next request, resident memory, and ANN recall and speed
/// against the exact scan.
/// </summary>
internal static class EngineBenchmark
{
    public static Task<int> RunAsync(Options options)
    {
        var videos = options.Int("videos", 1_000_000);
        var users = options.Int("users", 100_000);
        var requests = options.Int("requests", 20_000);
        var events = options.Int("events", 1_000_000);
        var breadth = options.Int("breadth", 160);
        var cores = options.Int("cores", 1);
        var firstCore = options.Index("first-core", 0);
        if (cores < Environment.ProcessorCount && OperatingSystem.IsLinux())
        {
            // "On one core": the whole process, GC included, gets cores first-core .. first-core + cores − 1 only.
            // Two builds can then run side by side on different cores and meet the same machine load.
            Process.GetCurrentProcess().ProcessorAffinity = (nint)(((1L << cores) - 1) << firstCore);
        }

        Print($"engine bench: {videos:N0} videos, {users:N0} users, 64 dims, {cores} core(s) of {Environment.ProcessorCount} from core {firstCore}, server GC {System.Runtime.GCSettings.IsServerGC}, " +
              $"gen-0 budget {Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "the runtime's default"}");
        var clock = TimeProvider.System;
        var catalogue = new CatalogueAtScale(videos, users);
        var engineOptions = new EngineOptions { Dimensions = 64 };
        if (options.String("refit-growth") is { } growth)
        {
            // For studying what a background refit costs the requests beside it: refits fall due far more often.
            engineOptions.Nearline.RefitGrowth = double.Parse(growth, CultureInfo.InvariantCulture);
            engineOptions.Nearline.RefitInterval = TimeSpan.Zero;
        }

        var engine = catalogue.Build(engineOptions, clock, line => Print("  " + line));
        Memory("after build");

        var paired = options.String("look-ahead-paired") == "yes";
        var heavyViewers = options.Int("heavy-viewers", 0);
        Feed(engine, users, requests);
        if (paired)
        {
            FeedLookAheadPaired(engine, users, requests);
        }

        Ingest(engine, catalogue, events, clock);
        if (paired)
        {
            IngestLookAheadPaired(engine, catalogue, events, clock);
        }
        Influence(engine, users, clock);
        Memory("after the run");
        Print($"  nearline fits since start: {engine.NearlineFits:N0} ({engine.NearlineFailures:N0} failed)");
        if (heavyViewers > 0)
        {
            HeavyViewers(engine, heavyViewers, videos, users, requests);
        }

        if (options.Int("hold", 1) > 1)
        {
            // Time to attach a heap dump (dotnet-gcdump collect -p PID) while the engine is alive.
            Print($"holding for {options.Int("hold", 1)} s, process {Environment.ProcessId}");
            Thread.Sleep(TimeSpan.FromSeconds(options.Int("hold", 1)));
        }

        engine.Dispose();
        engine = null;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        if (options.String("ann") != "no")
        {
            Ann(videos, breadth);
        }

        return Task.FromResult(0);
    }

    private static void Feed(ForYouEngine engine, int users, int requests)
    {
        // Warm the code paths first, then time each request on its own.
        for (var i = 0; i < 500; i++)
        {
            engine.Recommend(new RecommendationRequest(1 + (i * 104_729 % users), 35, Seed: i));
        }

        var gcBefore = GC.CollectionCount(0);
        var (latencies, returned) = TimeRequests(engine, requests, i => new RecommendationRequest(1 + (i * 7_919 % users), 35, Seed: 1_000 + i));

        Print($"feed request ({requests:N0} requests, one at a time, 35 ranked videos asked, {returned / (double)requests:0.0} returned): " +
              $"p50 {Ms(latencies, 50):0.000} ms, p90 {Ms(latencies, 90):0.000} ms, p99 {Ms(latencies, 99):0.000} ms, p99.9 {Ms(latencies, 99.9):0.000} ms, max {Ms(latencies, 100):0.000} ms; " +
              $"{GC.CollectionCount(0) - gcBefore} gen-0 collections");
    }

    private static void Ingest(ForYouEngine engine, CatalogueAtScale catalogue, int count, TimeProvider clock)
    {
        const int Batch = 4_096;
        var first = engine.AppliedOffset;
        var all = catalogue.Events(count, first, 99, clock.GetUtcNow().ToUnixTimeMilliseconds());
        var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var board = engine.BoardRebuilds;
        var watch = Stopwatch.StartNew();
        for (var start = 0; start < all.Length; start += Batch)
        {
            // The batches are slices of one array, as a log reader's buffer would be: what is measured is the
            // model taking events in, not copying them.
            engine.Apply(all.AsSpan(start, Math.Min(Batch, all.Length - start)));
        }

        watch.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Print($"events into the model: {count:N0} events in batches of {Batch:N0} in {watch.Elapsed.TotalSeconds:0.00} s = {count / watch.Elapsed.TotalSeconds:N0} events/s; " +
              $"GC paused {(GC.GetTotalPauseDuration() - paused).TotalSeconds:0.00} s in {GC.CollectionCount(0) - gen0} / {GC.CollectionCount(1) - gen1} / {GC.CollectionCount(2) - gen2} collections of gen 0 / 1 / 2; {allocated / (double)count:0} bytes allocated per event; " +
              // A board rebuild scans the whole catalogue and falls due by wall time, so a run of a few seconds holds one or none.
              $"board rebuilt {engine.BoardRebuilds.Count - board.Count} times in {(engine.BoardRebuilds.Time - board.Time).TotalSeconds:0.00} s");
    }

    // Each request timed on its own; returns the latencies and how many videos came back in all.
    private static (LongHistogram Latencies, long Returned) TimeRequests(ForYouEngine engine, int count, Func<int, RecommendationRequest> request)
    {
        var latencies = new LongHistogram(TimeStamp.Seconds(10), 3);
        var returned = 0L;
        for (var i = 0; i < count; i++)
        {
            var next = request(i);
            var start = Stopwatch.GetTimestamp();
            returned += engine.Recommend(next).Count;
            latencies.RecordValue(Stopwatch.GetTimestamp() - start);
        }

        return (latencies, returned);
    }

    // As many requests again, each with or without the look-ahead prefetching at random: interleaved in one
    // process, the two sides meet the same machine load and state. (Asking the same request twice would
    // find the second one's memory already in cache.)
    private static void FeedLookAheadPaired(ForYouEngine engine, int users, int requests)
    {
        LongHistogram[] latencies = [new(TimeStamp.Seconds(10), 3), new(TimeStamp.Seconds(10), 3)];
        var order = new Random(19);
        for (var i = 0; i < requests; i++)
        {
            var mode = order.Next(2);
            engine.LooksAhead = mode == 0;
            var start = Stopwatch.GetTimestamp();
            engine.Recommend(new RecommendationRequest(1 + ((requests + i) * 7_919L % users), 35, Seed: 50_000 + i));
            latencies[mode].RecordValue(Stopwatch.GetTimestamp() - start);
        }

        engine.LooksAhead = true;
        Print($"feed request, {latencies[0].TotalCount:N0} and {latencies[1].TotalCount:N0} requests at random with and without look-ahead prefetching: " +
              $"p50 {Ms(latencies[0], 50):0.000} and {Ms(latencies[1], 50):0.000} ms, p99 {Ms(latencies[0], 99):0.000} and {Ms(latencies[1], 99):0.000} ms, " +
              $"p99.9 {Ms(latencies[0], 99.9):0.000} and {Ms(latencies[1], 99.9):0.000} ms");
    }

    // The same number of events again, each batch applied with or without (at random, so nothing periodic
    // favours one side) the engine's look-ahead prefetching: interleaved in one process, the two sides meet
    // the same machine load and the same state. Medians of per-batch time, because a batch that also
    // rebuilds the board takes several times as long whichever side it falls on.
    private static void IngestLookAheadPaired(ForYouEngine engine, CatalogueAtScale catalogue, int count, TimeProvider clock)
    {
        const int Batch = 4_096;
        var first = engine.AppliedOffset;
        var all = catalogue.Events(count, first, 199, clock.GetUtcNow().ToUnixTimeMilliseconds() + 3_600_000);
        var order = new Random(17);
        List<double>[] microsPerEvent = [[], []];
        for (var start = 0; start + Batch <= all.Length; start += Batch)
        {
            var batch = all.AsSpan(start, Batch).ToArray();
            var mode = order.Next(2);
            engine.LooksAhead = mode == 0;
            var began = Stopwatch.GetTimestamp();
            engine.Apply(batch);
            microsPerEvent[mode].Add(Stopwatch.GetElapsedTime(began).TotalMicroseconds / Batch);
        }

        engine.LooksAhead = true;
        // NaN for a side that drew no batch (a run of only a few batches).
        double Median(List<double> values) => values.Count == 0 ? double.NaN : values.Order().ElementAt(values.Count / 2);
        var with = Median(microsPerEvent[0]);
        var without = Median(microsPerEvent[1]);
        Print($"events into the model, batches at random with and without look-ahead prefetching ({microsPerEvent[0].Count} and {microsPerEvent[1].Count} batches of {Batch:N0}): " +
              $"medians {with:0.00} and {without:0.00} µs per event = {1e6 / with:N0} and {1e6 / without:N0} events/s ({(without / with) - 1:+0.0%;-0.0%})");
    }

    // Viewers with long histories: each is served 20,000 random videos in pages of ten, all within the
    // seen window (the default cap of the seen filter: the worst case of what one viewer's filter holds).
    // Reports what their seen filters cost in managed memory and how their feed requests fare, since every
    // candidate is checked against the filter.
    private static void HeavyViewers(ForYouEngine engine, int count, int videos, int users, int requests)
    {
        const int PerViewer = 20_000;
        const int Page = 10;
        var random = new Random(23);
        var page = new long[Page];
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var viewers = Enumerable.Range(0, count).Select(i => 1L + (i * 7_919L % users)).Distinct().ToArray();
        var watch = Stopwatch.StartNew();
        foreach (var viewer in viewers)
        {
            for (var served = 0; served < PerViewer; served += Page)
            {
                for (var j = 0; j < Page; j++)
                {
                    page[j] = 1 + random.Next(videos);
                }

                engine.MarkServed(viewer, page);
            }
        }

        watch.Stop();
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        Print($"heavy viewers: {viewers.Length:N0} viewers served {PerViewer:N0} videos each in {watch.Elapsed.TotalSeconds:0.0} s; " +
              $"managed heap +{(heapAfter - heapBefore) / (1024.0 * 1024):N0} MB = {(heapAfter - heapBefore) / (double)viewers.Length / 1024:N1} KiB per viewer");

        var asked = Math.Min(requests, 5_000);
        var (latencies, returned) = TimeRequests(engine, asked, i => new RecommendationRequest(viewers[i % viewers.Length], 35, Seed: 5_000 + i));

        Print($"feed request of heavy viewers ({asked:N0} requests, {returned / (double)asked:0.0} returned): " +
              $"p50 {Ms(latencies, 50):0.000} ms, p99 {Ms(latencies, 99):0.000} ms, p99.9 {Ms(latencies, 99.9):0.000} ms");
    }

    private static void Influence(ForYouEngine engine, int users, TimeProvider clock)
    {
        // "Not interested" in the creator of the top video: the time from handing the event to the engine
        // until a feed request no longer shows that creator (in the server the log tail adds its wake-up).
        var samples = new List<(double Ms, double GcPauseMs, int FullCollections, bool Fitting)>();
        var offset = engine.AppliedOffset;
        for (var i = 0; i < 200; i++)
        {
            var user = 1 + (i * 31_337 % users);
            var page = engine.Recommend(new RecommendationRequest(user, 35, Seed: i));
            if (page.Count == 0)
            {
                continue;
            }

            var creator = CatalogueAtScale.CreatorOf(page[0].VideoId);
            var t = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var (paused, full, fitting) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2), engine.NearlineFitting);
            var start = Stopwatch.GetTimestamp();
            engine.Apply([new LoggedEvent(offset++, new WatchEvent(WatchEventType.NotInterestedInSubject, user, page[0].VideoId, creator, 0, 0, 0, t, t, FeedSurface.ForYou))]);
            var after = engine.Recommend(new RecommendationRequest(user, 35, Seed: i));
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (after.Any(r => CatalogueAtScale.CreatorOf(r.VideoId) == creator))
            {
                Print($"  the creator of video {page[0].VideoId} was still in the next page of viewer {user}");
                continue;
            }

            samples.Add((elapsed, (GC.GetTotalPauseDuration() - paused).TotalMilliseconds, GC.CollectionCount(2) - full, fitting || engine.NearlineFitting));
        }

        samples.Sort();
        var slowest = samples[^1];
        Print($"event to next feed request: {samples.Count} of 200 'not interested' events honoured by the very next request; " +
              $"apply + request median {samples[samples.Count / 2].Ms:0.000} ms, max {slowest.Ms:0.000} ms " +
              $"(of which GC paused {slowest.GcPauseMs:0.0} ms, {slowest.FullCollections} full collections; a background nearline fit running: {(slowest.Fitting ? "yes" : "no")})");
    }

    private static void Ann(int count, int breadth)
    {
        const int Dim = 64;
        var random = new Random(42);
        var centers = Enumerable.Range(0, 2_000).Select(_ => Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        var index = new HnswIndex(Dim, degree: 16, buildBreadth: 100, seed: 1, initialCapacity: count);
        var vector = new float[Dim];
        var watch = Stopwatch.StartNew();
        for (var node = 0; node < count; node++)
        {
            var center = centers[random.Next(centers.Length)];
            for (var d = 0; d < Dim; d++)
            {
                vector[d] = center[d] + (((float)random.NextDouble() - 0.5f) * 0.5f);
            }

            index.Upsert(node, vector);
        }

        Print($"ANN: HNSW over {count:N0} clustered vectors × {Dim} built in {watch.Elapsed.TotalSeconds:N0} s");
        var queries = Enumerable.Range(0, 500).Select(_ =>
        {
            var center = centers[random.Next(centers.Length)];
            return center.Select(c => c + (((float)random.NextDouble() - 0.5f) * 0.5f)).ToArray();
        }).ToArray();
        int[] ids = new int[100], exact = new int[100];
        float[] sims = new float[100], exactSims = new float[100];
        var hits = 0;
        List<double> approximate = [], scan = [];
        foreach (var query in queries)
        {
            var start = Stopwatch.GetTimestamp();
            index.Search(query, breadth, ids, sims);
            approximate.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            start = Stopwatch.GetTimestamp();
            index.ExactSearch(query, exact, exactSims);
            scan.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            hits += ids.Intersect(exact).Count();
        }

        approximate.Sort();
        scan.Sort();
        var a = approximate[approximate.Count / 2];
        var e = scan[scan.Count / 2];
        Print($"ANN: recall@100 {hits / (queries.Length * 100.0):0.0000} over {queries.Length} queries at breadth {breadth}; " +
              $"median {a:0.000} ms per query against {e:0.000} ms for the exact scan = {e / a:0.0}× faster");
        Memory("after the ANN index");
    }

    private static void Memory(string when)
    {
        GC.Collect();
        var status = File.Exists("/proc/self/status") ? File.ReadAllLines("/proc/self/status") : [];
        string Field(string name) => status.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?[(name.Length + 1)..].Trim() ?? "?";
        Print($"memory {when}: resident {Field("VmRSS")}, peak resident {Field("VmHWM")}, managed heap {GC.GetTotalMemory(false) / (1024.0 * 1024):N0} MB");

        // Where resident memory goes besides live objects: what the GC holds committed but free, by generation.
        var info = GC.GetGCMemoryInfo();
        static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):N0}";
        var generations = string.Join(", ", Generations.Select((name, i) =>
            $"{name} {Mb(info.GenerationInfo[i].SizeAfterBytes)} (free {Mb(info.GenerationInfo[i].FragmentationAfterBytes)})"));
        Print($"  GC: committed {Mb(info.TotalCommittedBytes)} MB, heap {Mb(info.HeapSizeBytes)} MB, fragmented {Mb(info.FragmentedBytes)} MB; {generations} MB");
    }

    private static readonly string[] Generations = ["gen0", "gen1", "gen2", "large", "pinned"];

    private static double Ms(LongHistogram histogram, double percentile) =>
        histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;

    private static void Print(string line) => Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
