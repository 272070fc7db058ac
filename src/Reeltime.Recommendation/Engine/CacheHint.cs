using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// Software prefetch: asks the memory system for a cache line a few events before the engine reads it.
/// </summary>
/// <remarks>
/// Applying an event is bound by memory, not by arithmetic: every event reads a random viewer's profile and
/// random videos' rows in gigabytes of state, and each of those reads is a chain (an id's slot, then its
/// row) that the processor cannot start before the one before it ends. Prefetching the next events' lines
/// overlaps those misses with the current event's work. .NET has no managed prefetch, only the x86
/// intrinsic on a raw address, hence the unsafe code. A hint never changes a result: the address of an
/// object the collector moves is simply a wasted hint, and without SSE the hints do nothing.
/// </remarks>
internal static class CacheHint
{
    /// <summary>The line holding <paramref name="array"/>[<paramref name="index"/>]; nothing when out of range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Line<T>(T[] array, int index)
    {
        if (Sse.IsSupported && (uint)index < (uint)array.Length)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), index)));
        }
    }

    /// <summary>The lines of <paramref name="count"/> elements from <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Lines<T>(T[] array, int index, int count)
    {
        if (!Sse.IsSupported || (uint)index >= (uint)array.Length || count <= 0)
        {
            return;
        }

        var start = (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), index));
        var bytes = Math.Min(count, array.Length - index) * Unsafe.SizeOf<T>();
        for (var offset = 0; offset < bytes; offset += 64)
        {
            Sse.Prefetch0(start + offset);
        }

        Sse.Prefetch0(start + bytes - 1);
    }

    /// <summary>The first line of an object's fields.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Object(object? value)
    {
        if (Sse.IsSupported && value is not null)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.As<Fields>(value).First));
        }
    }

    // Stands in for any class to reach its first field; never instantiated.
    private sealed class Fields
    {
#pragma warning disable CS0649 // read only through Unsafe.As, never assigned
        public byte First;
#pragma warning restore CS0649
    }
}
