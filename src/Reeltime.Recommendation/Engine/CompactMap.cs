using System.Runtime.CompilerServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// A small map from int keys to struct values, kept as two sorted arrays searched by bisection. It holds a
/// viewer's per-hashtag and per-creator weights: a hundred thousand viewers each own four of these, with
/// tens of entries in each, and a <see cref="Dictionary{TKey, TValue}"/> spends 44 bytes per slot on an
/// <see cref="Affinity"/> (hash code, chain link, padding, bucket) and 80 more per map, where this spends
/// 28 and about 40. Inserting shifts the entries after the new key, which costs less than hashing at the
/// sizes these maps are capped at (<see cref="UserProfile.MaxInterests"/>).
/// </summary>
/// <remarks>Not thread-safe: one writer, readers under the engine's lock. Enumerates in key order.</remarks>
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

    /// <summary>Hints the keys a search will read first and the middle of the values.</summary>
    public void Prefetch()
    {
        if (Count > 0)
        {
            CacheHint.Lines(_keys, 0, Count);
            CacheHint.Line(_values, Count / 2);
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

        i = ~i;
        if (Count == _keys.Length)
        {
            // Grow by half (from 4): these maps stop growing at a few tens of entries, where doubling would
            // leave a third of the slots empty on average.
            var capacity = Math.Max(4, Count + (Count / 2));
            Array.Resize(ref _keys, capacity);
            Array.Resize(ref _values, capacity);
        }

        if (i < Count)
        {
            Array.Copy(_keys, i, _keys, i + 1, Count - i);
            Array.Copy(_values, i, _values, i + 1, Count - i);
        }

        _keys[i] = key;
        _values[i] = default;
        Count++;
        return ref _values[i];
    }

    public bool Remove(int key)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            return false;
        }

        Count--;
        if (i < Count)
        {
            Array.Copy(_keys, i + 1, _keys, i, Count - i);
            Array.Copy(_values, i + 1, _values, i, Count - i);
        }

        _values[Count] = default;
        return true;
    }

    public void Clear()
    {
        _keys = [];
        _values = [];
        Count = 0;
    }

    public Enumerator GetEnumerator() => new(this);

    /// <summary>The index of <paramref name="key"/>, or the complement of where it would go.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int IndexOf(int key)
    {
        var keys = _keys;
        int low = 0, high = Count - 1;
        while (low <= high)
        {
            var middle = (int)((uint)(low + high) >> 1);
            var k = keys[middle];
            if (k == key)
            {
                return middle;
            }

            if (k < key)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }

    /// <summary>Enumerates the entries in key order; the map must not change meanwhile.</summary>
    public struct Enumerator(CompactMap<TValue> map)
    {
        private int _index = -1;

        public readonly KeyValuePair<int, TValue> Current => new(map._keys[_index], map._values[_index]);

        public bool MoveNext() => ++_index < map.Count;
    }
}
