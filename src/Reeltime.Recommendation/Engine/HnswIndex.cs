using System.Numerics.Tensors;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// Approximate nearest neighbours over video vectors by cosine similarity: a hierarchical navigable
/// small-world graph (Malkov and Yashunin, 2016), with incremental inserts and in-place updates when a
/// video's vector moves (the node's links are searched again; old reverse links stay as extra edges).
/// </summary>
/// <remarks>
/// Written by hand: no maintained .NET HNSW or vector-index package is served to this build, and the
/// engine needs what general libraries rarely offer together: node ids equal to the catalogue's dense
/// indices (no id map), updates of a node's vector in place, flat arrays that snapshot as they are, and
/// scratch buffers reused per thread so a search allocates nothing.
/// Layout: vectors in one <c>float[]</c> (normalised, so similarity is a dot product); ground-layer links
/// in one <c>int[]</c> of fixed-size blocks <c>[count, ids…]</c>; upper-layer links (about 1 node in
/// <c>degree</c>) in a small array per node. One writer; searches run concurrently under the engine's
/// read lock.
/// </remarks>
internal sealed class HnswIndex
{
    private readonly int _dim;
    private readonly int _m;
    private readonly int _m0;
    private readonly int _buildBreadth;
    private readonly double _levelScale;
    private readonly Random _random;
    private float[] _vectors;
    private int[] _links0;
    private int[]?[] _upper;
    private sbyte[] _level;
    private int _capacity;
    private int _entry = -1;
    private int _maxLevel = -1;

    [ThreadStatic]
    private static Scratch? t_scratch;

    public HnswIndex(int dim, int degree, int buildBreadth, int seed, int initialCapacity = 1024)
    {
        _dim = dim;
        _m = degree;
        _m0 = degree * 2;
        _buildBreadth = buildBreadth;
        _levelScale = 1 / Math.Log(degree);
        _random = new Random(seed);
        _capacity = Math.Max(16, initialCapacity);
        _vectors = new float[_capacity * dim];
        _links0 = new int[_capacity * (_m0 + 1)];
        _upper = new int[]?[_capacity];
        _level = new sbyte[_capacity];
        Array.Fill(_level, (sbyte)-1);
    }

    /// <summary>Nodes in the graph.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes held by the index's arrays.</summary>
    public long Bytes => (_vectors.LongLength * 4) + (_links0.LongLength * 4) + _level.LongLength + (Count / _m * (_m + 1) * 8L);

    public bool Contains(int node) => node < _capacity && _level[node] >= 0;

    /// <summary>The stored (normalised) vector of a node.</summary>
    public ReadOnlySpan<float> Vector(int node) => _vectors.AsSpan(node * _dim, _dim);

    /// <summary>Inserts <paramref name="node"/> with <paramref name="vector"/>, or moves it there if present.</summary>
    public void Upsert(int node, ReadOnlySpan<float> vector)
    {
        EnsureCapacity(node + 1);
        var target = _vectors.AsSpan(node * _dim, _dim);
        var norm = TensorPrimitives.Norm(vector);
        if (norm < 1e-12f)
        {
            return;
        }

        TensorPrimitives.Multiply(vector, 1 / norm, target);
        if (_level[node] >= 0)
        {
            Link(node, _level[node], relinking: true);
            return;
        }

        var level = (sbyte)Math.Min(16, (int)(-Math.Log(1 - _random.NextDouble()) * _levelScale));
        _level[node] = level;
        _links0[node * (_m0 + 1)] = 0;
        _upper[node] = level > 0 ? new int[level * (_m + 1)] : null;
        Count++;
        if (_entry < 0)
        {
            _entry = node;
            _maxLevel = level;
            return;
        }

        Link(node, level, relinking: false);
        if (level > _maxLevel)
        {
            _maxLevel = level;
            _entry = node;
        }
    }

    /// <summary>
    /// Finds up to <paramref name="ids"/>.Length nodes most similar to <paramref name="query"/> (need not be
    /// normalised), best first; returns how many were written. <paramref name="breadth"/> trades speed for recall.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, int breadth, Span<int> ids, Span<float> similarities)
    {
        if (_entry < 0 || ids.Length == 0)
        {
            return 0;
        }

        var scratch = Scratch.For(_capacity, _dim);
        var q = scratch.Query.AsSpan(0, _dim);
        var norm = TensorPrimitives.Norm(query);
        if (norm < 1e-12f)
        {
            return 0;
        }

        TensorPrimitives.Multiply(query, 1 / norm, q);
        var entry = _entry;
        var entryDistance = Distance(q, entry);
        for (var level = _maxLevel; level > 0; level--)
        {
            entry = Greedy(q, entry, ref entryDistance, level);
        }

        SearchLayer(scratch, q, entry, entryDistance, Math.Max(breadth, ids.Length), 0);
        return scratch.Drain(ids, similarities);
    }

    /// <summary>The exact top-k by brute force, for measuring recall.</summary>
    public int ExactSearch(ReadOnlySpan<float> query, Span<int> ids, Span<float> similarities)
    {
        var results = new PriorityQueue<int, float>();
        var norm = TensorPrimitives.Norm(query);
        var k = ids.Length;
        for (var node = 0; node < _capacity; node++)
        {
            if (_level[node] < 0)
            {
                continue;
            }

            var similarity = TensorPrimitives.Dot(query, Vector(node)) / norm;
            if (results.Count < k)
            {
                results.Enqueue(node, similarity);
            }
            else if (results.TryPeek(out _, out var worst) && similarity > worst)
            {
                results.DequeueEnqueue(node, similarity);
            }
        }

        var n = results.Count;
        for (var i = n - 1; i >= 0; i--)
        {
            results.TryDequeue(out ids[i], out similarities[i]);
        }

        return n;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_dim);
        writer.Write(_capacity);
        writer.Write(Count);
        writer.Write(_entry);
        writer.Write(_maxLevel);
        for (var node = 0; node < _capacity; node++)
        {
            writer.Write(_level[node]);
            if (_level[node] < 0)
            {
                continue;
            }

            foreach (var x in Vector(node))
            {
                writer.Write(x);
            }

            var block = _links0.AsSpan(node * (_m0 + 1), _links0[node * (_m0 + 1)] + 1);
            foreach (var x in block)
            {
                writer.Write(x);
            }

            if (_upper[node] is { } upper)
            {
                foreach (var x in upper)
                {
                    writer.Write(x);
                }
            }
        }
    }

    public void Read(BinaryReader reader)
    {
        if (reader.ReadInt32() != _dim)
        {
            throw new InvalidDataException("The snapshot's index has another number of dimensions than configured.");
        }

        var capacity = reader.ReadInt32();
        EnsureCapacity(capacity);
        Count = reader.ReadInt32();
        _entry = reader.ReadInt32();
        _maxLevel = reader.ReadInt32();
        for (var node = 0; node < capacity; node++)
        {
            var level = reader.ReadSByte();
            _level[node] = level;
            if (level < 0)
            {
                continue;
            }

            var vector = _vectors.AsSpan(node * _dim, _dim);
            for (var d = 0; d < _dim; d++)
            {
                vector[d] = reader.ReadSingle();
            }

            var count = reader.ReadInt32();
            var block = _links0.AsSpan(node * (_m0 + 1), _m0 + 1);
            block[0] = count;
            for (var i = 1; i <= count; i++)
            {
                block[i] = reader.ReadInt32();
            }

            if (level > 0)
            {
                var upper = new int[level * (_m + 1)];
                for (var i = 0; i < upper.Length; i++)
                {
                    upper[i] = reader.ReadInt32();
                }

                _upper[node] = upper;
            }
        }
    }

    private void Link(int node, int level, bool relinking)
    {
        var scratch = Scratch.For(_capacity, _dim);
        var q = scratch.Query.AsSpan(0, _dim);
        Vector(node).CopyTo(q);
        var entry = _entry;
        if (entry == node)
        {
            if (!relinking || Count == 1)
            {
                return;
            }

            // Relinking the entry point: start from one of its neighbours on the top layer instead.
            var block = Links(node, _maxLevel);
            if (block.Length == 0)
            {
                return;
            }

            entry = block[0];
        }

        var entryDistance = Distance(q, entry);
        for (var l = _maxLevel; l > level; l--)
        {
            entry = Greedy(q, entry, ref entryDistance, l);
        }

        Span<int> buffer = stackalloc int[_m];
        for (var l = Math.Min(level, _maxLevel); l >= 0; l--)
        {
            SearchLayer(scratch, q, entry, entryDistance, _buildBreadth, l);
            var found = scratch.DrainAscending(node);
            if (found.Length == 0)
            {
                continue;
            }

            entry = found[0].Node;
            entryDistance = found[0].Distance;
            var max = l == 0 ? _m0 : _m;
            var count = SelectNeighbours(found, _m, scratch).Length;
            scratch.Chosen.AsSpan(0, count).CopyTo(buffer);
            var chosen = buffer[..count];
            SetLinks(node, l, chosen);
            foreach (var neighbour in chosen)
            {
                AddLink(neighbour, node, l, max, scratch);
            }
        }
    }

    private Span<int> Links(int node, int level)
    {
        if (level == 0)
        {
            var start = node * (_m0 + 1);
            return _links0.AsSpan(start + 1, _links0[start]);
        }

        var upper = _upper[node]!;
        var offset = (level - 1) * (_m + 1);
        return upper.AsSpan(offset + 1, upper[offset]);
    }

    private void SetLinks(int node, int level, ReadOnlySpan<int> neighbours)
    {
        if (level == 0)
        {
            var start = node * (_m0 + 1);
            _links0[start] = neighbours.Length;
            neighbours.CopyTo(_links0.AsSpan(start + 1));
            return;
        }

        var upper = _upper[node]!;
        var offset = (level - 1) * (_m + 1);
        upper[offset] = neighbours.Length;
        neighbours.CopyTo(upper.AsSpan(offset + 1));
    }

    private void AddLink(int node, int neighbour, int level, int max, Scratch scratch)
    {
        var links = Links(node, level);
        foreach (var existing in links)
        {
            if (existing == neighbour)
            {
                return;
            }
        }

        if (links.Length < max)
        {
            if (level == 0)
            {
                var start = node * (_m0 + 1);
                _links0[start + 1 + links.Length] = neighbour;
                _links0[start]++;
            }
            else
            {
                var upper = _upper[node]!;
                var offset = (level - 1) * (_m + 1);
                upper[offset + 1 + links.Length] = neighbour;
                upper[offset]++;
            }

            return;
        }

        // Full: keep the most useful of the old links plus the new one (the paper's heuristic).
        var q = Vector(node);
        var pool = scratch.Pool;
        pool.Clear();
        foreach (var existing in links)
        {
            pool.Add(new Neighbour(existing, Distance(q, existing)));
        }

        pool.Add(new Neighbour(neighbour, Distance(q, neighbour)));
        pool.Sort(static (a, b) => a.Distance.CompareTo(b.Distance));
        var chosen = SelectNeighbours(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pool), max, scratch);
        SetLinks(node, level, chosen);
    }

    // Keeps a candidate only if it is closer to the base than to every neighbour already kept: links that
    // point in different directions, which keeps the graph navigable across clusters.
    private ReadOnlySpan<int> SelectNeighbours(ReadOnlySpan<Neighbour> ascending, int max, Scratch scratch)
    {
        var chosen = scratch.Chosen;
        var count = 0;
        foreach (var candidate in ascending)
        {
            if (count == max)
            {
                break;
            }

            var keep = true;
            var v = Vector(candidate.Node);
            for (var i = 0; i < count; i++)
            {
                if (1 - TensorPrimitives.Dot(v, Vector(chosen[i])) < candidate.Distance)
                {
                    keep = false;
                    break;
                }
            }

            if (keep)
            {
                chosen[count++] = candidate.Node;
            }
        }

        // Fill up with the nearest pruned ones so sparse regions keep enough links.
        if (count < max / 2)
        {
            foreach (var candidate in ascending)
            {
                if (count == max / 2)
                {
                    break;
                }

                if (Array.IndexOf(chosen, candidate.Node, 0, count) < 0)
                {
                    chosen[count++] = candidate.Node;
                }
            }
        }

        return chosen.AsSpan(0, count);
    }

    private int Greedy(ReadOnlySpan<float> q, int entry, ref float entryDistance, int level)
    {
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var neighbour in Links(entry, level))
            {
                var distance = Distance(q, neighbour);
                if (distance < entryDistance)
                {
                    entryDistance = distance;
                    entry = neighbour;
                    changed = true;
                }
            }
        }

        return entry;
    }

    private void SearchLayer(Scratch scratch, ReadOnlySpan<float> q, int entry, float entryDistance, int breadth, int level)
    {
        var visited = scratch.NextVisit();
        var stamps = scratch.Visited;
        var candidates = scratch.Candidates;
        var results = scratch.Results;
        candidates.Clear();
        results.Clear();
        stamps[entry] = visited;
        candidates.Enqueue(entry, entryDistance);
        results.Enqueue(entry, -entryDistance);
        var worst = entryDistance;
        Span<int> unvisited = stackalloc int[Math.Max(_m0, _m)];
        while (candidates.TryDequeue(out var current, out var distance))
        {
            if (distance > worst && results.Count >= breadth)
            {
                break;
            }

            // Two passes, as hnswlib does: first the neighbours not yet visited, asking for their vectors
            // (random rows of the whole catalogue's vectors, so nearly all misses) so that the misses
            // overlap, then their distances, in the same order as one pass would take them.
            var fresh = 0;
            foreach (var neighbour in Links(current, level))
            {
                if (stamps[neighbour] != visited)
                {
                    stamps[neighbour] = visited;
                    unvisited[fresh++] = neighbour;
                    if (Prefetches)
                    {
                        CacheHint.Lines(_vectors, neighbour * _dim, _dim);
                    }
                }
            }

            foreach (var neighbour in unvisited[..fresh])
            {
                var d = Distance(q, neighbour);
                if (results.Count < breadth || d < worst)
                {
                    candidates.Enqueue(neighbour, d);
                    if (results.Count < breadth)
                    {
                        results.Enqueue(neighbour, -d);
                    }
                    else
                    {
                        results.DequeueEnqueue(neighbour, -d);
                    }

                    results.TryPeek(out _, out var negativeWorst);
                    worst = -negativeWorst;
                }
            }
        }
    }

    /// <summary>Whether a search asks for the vectors of a node's neighbours before it reads them (on; off only to measure what it gains).</summary>
    internal bool Prefetches { get; set; } = true;

    private float Distance(ReadOnlySpan<float> q, int node) => 1 - TensorPrimitives.Dot(q, _vectors.AsSpan(node * _dim, _dim));

    private void EnsureCapacity(int nodes)
    {
        if (nodes <= _capacity)
        {
            return;
        }

        var capacity = Math.Max(nodes, _capacity * 2);
        Array.Resize(ref _vectors, capacity * _dim);
        Array.Resize(ref _links0, capacity * (_m0 + 1));
        Array.Resize(ref _upper, capacity);
        var old = _level.Length;
        Array.Resize(ref _level, capacity);
        _level.AsSpan(old).Fill(-1);
        _capacity = capacity;
    }

    private readonly record struct Neighbour(int Node, float Distance);

    // Per-thread buffers: searches allocate nothing once warm.
    private sealed class Scratch
    {
        public int[] Visited = [];
        public float[] Query = [];
        public int Visit;
        public readonly PriorityQueue<int, float> Candidates = new();
        public readonly PriorityQueue<int, float> Results = new();
        public readonly List<Neighbour> Pool = [];
        public Neighbour[] Sorted = new Neighbour[256];
        public int[] Chosen = new int[130];

        public static Scratch For(int capacity, int dim)
        {
            var scratch = t_scratch ??= new Scratch();
            if (scratch.Visited.Length < capacity)
            {
                scratch.Visited = new int[capacity];
                scratch.Visit = 0;
            }

            if (scratch.Query.Length < dim)
            {
                scratch.Query = new float[dim];
            }

            return scratch;
        }

        public int NextVisit()
        {
            if (++Visit == int.MaxValue)
            {
                Array.Clear(Visited);
                Visit = 1;
            }

            return Visit;
        }

        /// <summary>Results best first into the spans, as similarities.</summary>
        public int Drain(Span<int> ids, Span<float> similarities)
        {
            while (Results.Count > ids.Length)
            {
                Results.Dequeue();
            }

            var n = Results.Count;
            for (var i = n - 1; i >= 0; i--)
            {
                Results.TryDequeue(out ids[i], out var negativeDistance);
                similarities[i] = 1 + negativeDistance;
            }

            return n;
        }

        /// <summary>Results nearest first, leaving out <paramref name="self"/>.</summary>
        public ReadOnlySpan<Neighbour> DrainAscending(int self)
        {
            if (Sorted.Length < Results.Count)
            {
                Sorted = new Neighbour[Results.Count * 2];
            }

            var n = 0;
            var total = Results.Count;
            for (var i = total - 1; i >= 0; i--)
            {
                Results.TryDequeue(out var node, out var negativeDistance);
                Sorted[i] = new Neighbour(node, -negativeDistance);
            }

            for (var i = 0; i < total; i++)
            {
                if (Sorted[i].Node != self)
                {
                    Sorted[n++] = Sorted[i];
                }
            }

            return Sorted.AsSpan(0, n);
        }
    }
}
