using BenchmarkDotNet.Attributes;
using Reeltime.Recommendation.Engine;

namespace Reeltime.Benchmarks;

/// <summary>
/// ANN search against the exact scan on 1,000,000 clustered 64-dimensional vectors (REELTIME_BENCH_VIDEOS
/// to shrink): the setup prints recall@100 over 200 queries; the two benchmarks give the speed ratio.
/// </summary>
[MemoryDiagnoser]
public class HnswBenchmarks
{
    private const int Dim = 64;
    private HnswIndex _index = null!;
    private float[][] _queries = [];
    private readonly int[] _ids = new int[100];
    private readonly float[] _sims = new float[100];
    private int _next;

    [Params(160, 256)]
    public int Breadth { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var count = EngineAtScale.Videos;
        var random = new Random(42);
        var centers = Enumerable.Range(0, 2_000).Select(_ => Enumerable.Range(0, Dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray()).ToArray();
        _index = new HnswIndex(Dim, degree: 16, buildBreadth: 100, seed: 1, initialCapacity: count);
        var vector = new float[Dim];
        for (var node = 0; node < count; node++)
        {
            var center = centers[random.Next(centers.Length)];
            for (var d = 0; d < Dim; d++)
            {
                vector[d] = center[d] + (((float)random.NextDouble() - 0.5f) * 0.5f);
            }

            _index.Upsert(node, vector);
        }

        _queries = [.. Enumerable.Range(0, 200).Select(_ =>
        {
            var center = centers[random.Next(centers.Length)];
            return center.Select(c => c + (((float)random.NextDouble() - 0.5f) * 0.5f)).ToArray();
        })];
        var exact = new int[100];
        var exactSims = new float[100];
        var hits = 0;
        foreach (var query in _queries)
        {
            _index.Search(query, Breadth, _ids, _sims);
            _index.ExactSearch(query, exact, exactSims);
            hits += _ids.Intersect(exact).Count();
        }

        Console.WriteLine($"// HNSW over {count:N0} × {Dim}: recall@100 = {hits / (_queries.Length * 100.0):P2} at breadth {Breadth}");
    }

    [Benchmark]
    public int Approximate() => _index.Search(_queries[_next++ % _queries.Length], Breadth, _ids, _sims);

    [Benchmark]
    public int Exact() => _index.ExactSearch(_queries[_next++ % _queries.Length], _ids, _sims);
}
