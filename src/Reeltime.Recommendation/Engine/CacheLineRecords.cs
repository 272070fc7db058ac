using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// A growable array of small records laid out so that no record crosses a cache line: the record size
/// divides 64 and the first record starts on a 64-byte boundary.
/// </summary>
/// <remarks>
/// Per-video state is read at a random video per event or candidate, so what costs is the number of cache
/// lines a video's fields occupy, not their bytes. .NET has no aligned managed array, so the records live
/// in a pinned byte array (pinned objects never move) from its first 64-byte boundary on. Growing copies
/// into a new array; like any array resize, it must not race with readers (the engine grows under its
/// write lock).
/// </remarks>
/// <typeparam name="T">The record; its size must divide 64.</typeparam>
internal sealed class CacheLineRecords<T>
    where T : unmanaged
{
    private const int Line = 64;
    private byte[] _bytes = [];
    private int _offset;

    public CacheLineRecords(int capacity)
    {
        if (Line % Unsafe.SizeOf<T>() != 0)
        {
            throw new InvalidOperationException($"A {typeof(T).Name} of {Unsafe.SizeOf<T>()} bytes would cross cache lines.");
        }

        Grow(capacity);
    }

    /// <summary>How many records there is room for.</summary>
    public int Capacity { get; private set; }

    /// <summary>The record at <paramref name="index"/>.</summary>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)Capacity)
            {
                ThrowOutOfRange(index);
            }

            return ref Unsafe.As<byte, T>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bytes), _offset + (index * Unsafe.SizeOf<T>())));
        }
    }

    /// <summary>Hints the line of the record at <paramref name="index"/>; nothing when out of range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(int index)
    {
        if ((uint)index < (uint)Capacity)
        {
            CacheHint.Line(_bytes, _offset + (index * Unsafe.SizeOf<T>()));
        }
    }

    /// <summary>Makes room for at least <paramref name="capacity"/> records, doubling at least; keeps the ones there.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (capacity > Capacity)
        {
            Grow(Math.Max(capacity, Capacity * 2));
        }
    }

    private unsafe void Grow(int capacity)
    {
        var bytes = GC.AllocateArray<byte>((capacity * Unsafe.SizeOf<T>()) + Line, pinned: true);
        var address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(bytes));
        var offset = (int)((Line - (address & (Line - 1))) & (Line - 1));
        if (Capacity > 0)
        {
            _bytes.AsSpan(_offset, Capacity * Unsafe.SizeOf<T>()).CopyTo(bytes.AsSpan(offset));
        }

        _bytes = bytes;
        _offset = offset;
        Capacity = capacity;
    }

    [DoesNotReturn]
    private static void ThrowOutOfRange(int index) =>
        throw new ArgumentOutOfRangeException(nameof(index), index, $"No {typeof(T).Name} at this index.");
}
