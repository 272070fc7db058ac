using System.Runtime.CompilerServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// A small map from int keys to struct values, kept as two parallel arrays in no particular order. It holds a
/// viewer's per-hashtag and per-creator weights: a hundred thousand viewers each own four of these, with
/// tens to hundreds of entries in each, and a <see cref="Dictionary{TKey, TValue}"/> spends 44 bytes per slot
/// on an <see cref="Affinity"/> (hash code, chain link, padding, bucket) and 80 more per map, where this
/// spends 28 and about 40. A lookup is one vectorised scan of the keys, which at the sizes these maps are
/// capped at (<see cref="UserProfile.MaxInterests"/>) costs no more than a bisection's mispredicted
/// branches; an insert appends and a removal moves the last entry into the gap, so neither shifts the
/// entries (kept sorted, inserting and trimming moved kilobytes per event when a viewer's map was full).
/// </summary>
/// <remarks>
/// Not thread-safe: one writer, readers under the engine's lock. Enumerates in storage order, which is
/// the order of inserts as changed by removals: the same operations give the same order.
/// </remarks>
internal sealed class CompactMap<TValue>
    where TValue : struct
{
    private int[] _keys = [];
    private TValue[] _values = [];

    public int Count { get; private set; }

    /// <summary>The value of <paramref name="key"/>; setting adds the key when it is absent.</summary>
    public TValue this[int key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"Key {key} is not in the map.");
        set => GetValueRefOrAddDefault(key, out _) = value;
    }

    /// <summary>Hints the keys a search will read.</summary>
    public void Prefetch()
    {
        if (Count > 0)
        {
            CacheHint.Lines(_keys, 0, Count);
        }
    }

    public bool ContainsKey(int key) => IndexOf(key) >= 0;

    public bool TryGetValue(int key, out TValue value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = default;
            return false;
        }

        value = _values[i];
        return true;
    }

    /// <summary>A reference to the value of <paramref name="key"/>, added as <c>default</c> when absent; valid until the next insert or removal.</summary>
    public ref TValue GetValueRefOrAddDefault(int key, out bool existed)
    {
        var i = IndexOf(key);
        existed = i >= 0;
        if (existed)
        {
            return ref _values[i];
        }

        if (Count == _keys.Length)
        {
            // Grow by half (from 4): these maps stop growing at a few tens of entries for most viewers, where
            // doubling would leave a third of the slots empty on average.
            var capacity = Math.Max(4, Count + (Count / 2));
            Array.Resize(ref _keys, capacity);
            Array.Resize(ref _values, capacity);
        }

        i = Count++;
        _keys[i] = key;
        _values[i] = default;
        return ref _values[i];
    }

    public bool Remove(int key)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            return false;
        }

        RemoveAt(i);
        return true;
    }

    /// <summary>
    /// Removes the <paramref name="drop"/> entries of lowest <paramref name="score"/>, ties broken by the
    /// smaller key, so the outcome does not depend on the storage order.
    /// </summary>
    public void DropLowest<TState>(int drop, TState state, Func<TValue, TState, float> score)
    {
        drop = Math.Min(drop, Count);
        if (drop <= 0)
        {
            return;
        }

        var ranked = System.Buffers.ArrayPool<(float Score, int Key)>.Shared.Rent(Count);
        try
        {
            for (var i = 0; i < Count; i++)
            {
                ranked[i] = (score(_values[i], state), _keys[i]);
            }

            var span = ranked.AsSpan(0, Count);
            span.Sort(static (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Key.CompareTo(b.Key));
            for (var i = 0; i < drop; i++)
            {
                Remove(span[i].Key);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<(float Score, int Key)>.Shared.Return(ranked);
        }
    }

    public void Clear()
    {
        _keys = [];
        _values = [];
        Count = 0;
    }

    public Enumerator GetEnumerator() => new(this);

    private void RemoveAt(int i)
    {
        var last = --Count;
        _keys[i] = _keys[last];
        _values[i] = _values[last];
        _values[last] = default;
    }

    /// <summary>The index of <paramref name="key"/>, or −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int IndexOf(int key) => _keys.AsSpan(0, Count).IndexOf(key);

    /// <summary>Enumerates the entries in storage order; the map must not change meanwhile.</summary>
    public struct Enumerator(CompactMap<TValue> map)
    {
        private int _index = -1;

        public readonly KeyValuePair<int, TValue> Current => new(map._keys[_index], map._values[_index]);

        public bool MoveNext() => ++_index < map.Count;
    }
}
