using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// A collisionless embedding table: every admitted 64-bit id owns one row (no two ids share a slot, unlike
/// the hashing trick), with a frequency filter (an id gets a row only after <c>admitAfter</c> sightings),
/// expiry of rows not touched for a while, and row-wise Adagrad updates.
/// </summary>
/// <remarks>
/// Written by hand rather than on <see cref="Dictionary{TKey,TValue}"/> because the table is the engine's
/// largest structure: open addressing over flat <c>long[]</c>/<c>int[]</c> arrays costs 12 bytes per slot
/// with no per-entry object and no separate entry array, keeps the vectors in one contiguous
/// <c>float[]</c> (rows are reused through a free list after expiry, so memory stays bounded), and lets
/// eviction use backward-shift deletion instead of tombstones, so probe lengths do not degrade over a
/// long-running process. Linear probing on a multiplicative hash of the full key.
/// Row-wise Adagrad (one accumulator per row, the mean squared gradient) halves the optimizer's memory
/// against per-coordinate Adagrad; it is what large production embedding tables use.
/// Not thread-safe: one writer, readers under the engine's lock.
/// </remarks>
internal sealed class EmbeddingTable
{
    private const long Empty = long.MinValue;
    private readonly int _dim;
    private readonly int _admitAfter;
    private readonly float _initScale;
    private long[] _keys;
    private int[] _rowOfSlot;
    private int _mask;
    private int _used;

    private float[] _vectors;
    private float[] _accumulators;
    private long[] _touchedMs;
    private long[] _rowKey;
    private int _rowCount;
    private readonly Stack<int> _freeRows = new();

    // The frequency filter: sightings of ids without a row yet. Bounded: when it fills, ids seen only once
    // are forgotten (the Monolith paper does the same with a probabilistic filter).
    private readonly Dictionary<long, int> _sightings = [];
    private readonly int _maxPending;

    public EmbeddingTable(int dim, int admitAfter, int initialCapacity = 1024, int maxPending = 1 << 20)
    {
        _dim = dim;
        _admitAfter = admitAfter;
        _initScale = 0.5f / MathF.Sqrt(dim);
        _maxPending = maxPending;
        var slots = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity * 2));
        _keys = new long[slots];
        Array.Fill(_keys, Empty);
        _rowOfSlot = new int[slots];
        _mask = slots - 1;
        var rows = Math.Max(16, initialCapacity);
        _vectors = new float[rows * dim];
        _accumulators = new float[rows];
        _touchedMs = new long[rows];
        _rowKey = new long[rows];
    }

    public int Dimensions => _dim;

    /// <summary>Ids that own a row.</summary>
    public int Count => _used;

    /// <summary>Bytes held by the table's arrays.</summary>
    public long Bytes => (_keys.LongLength * 12) + (_vectors.LongLength * 4) + (_accumulators.LongLength * 20);

    /// <summary>The row of <paramref name="key"/>, or -1 when it has none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(long key)
    {
        var slot = SlotOf(key);
        while (true)
        {
            var k = _keys[slot];
            if (k == key)
            {
                return _rowOfSlot[slot];
            }

            if (k == Empty)
            {
                return -1;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Hints the slot <paramref name="key"/> hashes to; <see cref="PrefetchRow"/> an event later finds it cached.</summary>
    public void PrefetchSlot(long key)
    {
        var slot = SlotOf(key);
        CacheHint.Line(_keys, slot);
        CacheHint.Line(_rowOfSlot, slot);
    }

    /// <summary>Hints the row of <paramref name="key"/> when it has one (reads the slot, so best after <see cref="PrefetchSlot"/>).</summary>
    public void PrefetchRow(long key)
    {
        var row = Find(key);
        if (row >= 0)
        {
            CacheHint.Lines(_vectors, row * _dim, _dim);
            CacheHint.Line(_accumulators, row);
            CacheHint.Line(_touchedMs, row);
        }
    }

    /// <summary>The vector of a row.</summary>
    public Span<float> Row(int row) => _vectors.AsSpan(row * _dim, _dim);

    /// <summary>
    /// Records a sighting of <paramref name="key"/> at <paramref name="nowMs"/>: returns its row, creating it
    /// when the id reaches the frequency threshold, or -1 while it is still filtered out.
    /// </summary>
    public int Touch(long key, long nowMs)
    {
        var row = Find(key);
        if (row >= 0)
        {
            _touchedMs[row] = nowMs;
            return row;
        }

        if (_admitAfter > 1)
        {
            _sightings.TryGetValue(key, out var seen);
            seen++;
            if (seen < _admitAfter)
            {
                if (_sightings.Count >= _maxPending)
                {
                    ForgetRareSightings();
                }

                _sightings[key] = seen;
                return -1;
            }

            _sightings.Remove(key);
        }

        return Insert(key, nowMs);
    }

    /// <summary>Creates the row of <paramref name="key"/> now, skipping the frequency filter (used when restoring).</summary>
    public int Insert(long key, long nowMs)
    {
        if ((_used + 1) * 4 > _keys.Length * 3)
        {
            Rehash(_keys.Length * 2);
        }

        int row;
        if (_freeRows.Count > 0)
        {
            row = _freeRows.Pop();
        }
        else
        {
            row = _rowCount++;
            if (row == _accumulators.Length)
            {
                var rows = row * 2;
                Array.Resize(ref _vectors, rows * _dim);
                Array.Resize(ref _accumulators, rows);
                Array.Resize(ref _touchedMs, rows);
                Array.Resize(ref _rowKey, rows);
            }
        }

        var slot = SlotOf(key);
        while (_keys[slot] != Empty)
        {
            slot = (slot + 1) & _mask;
        }

        _keys[slot] = key;
        _rowOfSlot[slot] = row;
        _used++;
        _rowKey[row] = key;
        _touchedMs[row] = nowMs;
        _accumulators[row] = 0.1f;
        InitialVector(key, Row(row));
        return row;
    }

    /// <summary>Removes the row of <paramref name="key"/> (a user's reset); true if it had one.</summary>
    public bool Remove(long key)
    {
        var slot = SlotOf(key);
        while (true)
        {
            var k = _keys[slot];
            if (k == Empty)
            {
                return false;
            }

            if (k == key)
            {
                RemoveAt(slot);
                return true;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Evicts every row untouched since <paramref name="olderThanMs"/>; returns how many.</summary>
    public int Expire(long olderThanMs)
    {
        var evicted = 0;
        for (var row = 0; row < _rowCount; row++)
        {
            if (_rowKey[row] != Empty && _touchedMs[row] < olderThanMs && Remove(_rowKey[row]))
            {
                evicted++;
            }
        }

        return evicted;
    }

    /// <summary>One row-wise Adagrad step: row -= rate × gradient / sqrt(accumulated mean squared gradient).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step(int row, ReadOnlySpan<float> gradient, float rate)
    {
        var vector = Row(row);
        var squared = TensorPrimitives.Dot(gradient, gradient) / _dim;
        var accumulator = _accumulators[row] += squared;
        TensorPrimitives.MultiplyAdd(gradient, -rate / MathF.Sqrt(accumulator + 1e-6f), vector, vector);
    }

    /// <summary>Scales a gradient step applied as <c>row += scale × direction</c>, with the same Adagrad accumulator.</summary>
    public void StepScaled(int row, ReadOnlySpan<float> direction, float gradientScale, float rate)
    {
        var vector = Row(row);
        var squared = gradientScale * gradientScale * TensorPrimitives.Dot(direction, direction) / _dim;
        var accumulator = _accumulators[row] += squared;
        TensorPrimitives.MultiplyAdd(direction, -rate * gradientScale / MathF.Sqrt(accumulator + 1e-6f), vector, vector);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_dim);
        writer.Write(_used);

        // In key order: the bytes of a snapshot depend on the state, not on the history of free rows.
        var rows = new List<(long Key, int Row)>(_used);
        for (var row = 0; row < _rowCount; row++)
        {
            if (_rowKey[row] != Empty && Find(_rowKey[row]) == row)
            {
                rows.Add((_rowKey[row], row));
            }
        }

        rows.Sort();
        foreach (var (key, row) in rows)
        {
            writer.Write(key);
            writer.Write(_touchedMs[row]);
            writer.Write(_accumulators[row]);
            foreach (var x in Row(row))
            {
                writer.Write(x);
            }
        }

        writer.Write(_sightings.Count);
        var sightings = _sightings.ToList();
        sightings.Sort(static (a, b) => a.Key.CompareTo(b.Key));
        foreach (var (key, count) in sightings)
        {
            writer.Write(key);
            writer.Write(count);
        }
    }

    public void Read(BinaryReader reader)
    {
        if (reader.ReadInt32() != _dim)
        {
            throw new InvalidDataException("The snapshot's embeddings have another number of dimensions than configured.");
        }

        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadInt64();
            var touched = reader.ReadInt64();
            var row = Insert(key, touched);
            _accumulators[row] = reader.ReadSingle();
            var vector = Row(row);
            for (var d = 0; d < _dim; d++)
            {
                vector[d] = reader.ReadSingle();
            }
        }

        var pending = reader.ReadInt32();
        for (var i = 0; i < pending; i++)
        {
            _sightings[reader.ReadInt64()] = reader.ReadInt32();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOf(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32) & _mask;

    private void RemoveAt(int slot)
    {
        var row = _rowOfSlot[slot];
        _rowKey[row] = Empty;
        _freeRows.Push(row);
        _used--;

        // Backward-shift deletion: move later members of the probe run into the hole, so no tombstones.
        var hole = slot;
        var next = (hole + 1) & _mask;
        while (_keys[next] != Empty)
        {
            var home = SlotOf(_keys[next]);
            // The entry at `next` may move into the hole if its home is not cyclically in (hole, next].
            var distanceToNext = (next - home) & _mask;
            var distanceToHole = (hole - home) & _mask;
            if (distanceToHole < distanceToNext)
            {
                _keys[hole] = _keys[next];
                _rowOfSlot[hole] = _rowOfSlot[next];
                hole = next;
            }

            next = (next + 1) & _mask;
        }

        _keys[hole] = Empty;
    }

    private void Rehash(int slots)
    {
        var oldKeys = _keys;
        var oldRows = _rowOfSlot;
        _keys = new long[slots];
        Array.Fill(_keys, Empty);
        _rowOfSlot = new int[slots];
        _mask = slots - 1;
        for (var i = 0; i < oldKeys.Length; i++)
        {
            if (oldKeys[i] == Empty)
            {
                continue;
            }

            var slot = SlotOf(oldKeys[i]);
            while (_keys[slot] != Empty)
            {
                slot = (slot + 1) & _mask;
            }

            _keys[slot] = oldKeys[i];
            _rowOfSlot[slot] = oldRows[i];
        }
    }

    private void ForgetRareSightings()
    {
        List<long> rare = [];
        foreach (var (key, count) in _sightings)
        {
            if (count <= 1)
            {
                rare.Add(key);
            }
        }

        foreach (var key in rare)
        {
            _sightings.Remove(key);
        }

        if (_sightings.Count >= _maxPending)
        {
            _sightings.Clear();
        }
    }

    // Deterministic from the id, so a replay after a crash rebuilds the same starting point.
    private void InitialVector(long key, Span<float> vector)
    {
        var state = (ulong)key ^ 0xD1B54A32D192ED03UL;
        for (var i = 0; i < vector.Length; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            vector[i] = (((z >> 40) / (float)(1 << 24)) - 0.5f) * 2f * _initScale;
        }
    }
}
