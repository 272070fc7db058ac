using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Reeltime.Recommendation.Engine;

/// <summary>
/// Asks Linux to back the managed heap with 2 MB pages (transparent huge pages, <c>madvise(MADV_HUGEPAGE)</c>).
/// </summary>
/// <remarks>
/// <para>
/// At a million videos the engine's state is about 1.5 GB, and every event and every candidate reads a few
/// random lines of it. With 4 KB pages nearly each of those reads also misses the processor's address
/// translation cache, and the page walk is itself a chain of memory reads; with 2 MB pages the same state
/// needs 512 times fewer translations. Most distributions leave transparent huge pages to programs that ask
/// for them (<c>/sys/kernel/mm/transparent_hugepage/enabled</c> is <c>madvise</c>), and .NET's collector does
/// not ask, so the engine does.
/// </para>
/// <para>
/// The collector reserves one range of address space for all its regions and commits parts of it as the
/// heap grows. The advice is given to that whole reservation, found in <c>/proc/self/maps</c> as the run of
/// anonymous mappings around a heap object (bounded by the collector's own region range), so memory
/// committed later is backed by huge pages from its first touch. The collector may hand memory back to the
/// kernel and take it again, which can drop the advice on those parts, so <see cref="Refresh"/> gives it
/// again now and then. Nothing here changes a result: it only changes how addresses are translated.
/// A process-wide setting: the first engine that asks decides for the process.
/// </para>
/// </remarks>
internal static partial class ManagedHeapPages
{
    private const int MadviseHugePage = 14; // MADV_HUGEPAGE in <sys/mman.h> on every Linux architecture
    private const string ModePath = "/sys/kernel/mm/transparent_hugepage/enabled";
    private static readonly long RefreshEveryTicks = Stopwatch.Frequency * 10;
    private static readonly Lock Gate = new();
    private static (nint Start, nint End) _span;
    private static long _advisedAt;
    private static bool _refreshing;

    /// <summary>What the last advice did, for the bench and the logs.</summary>
    public static string State { get; private set; } = "not asked";

    /// <summary>Advises the heap's reservation now, and keeps re-advising it from <see cref="Refresh"/>.</summary>
    /// <returns>True if the heap is now backed by huge pages where the kernel can.</returns>
    public static bool Advise()
    {
        lock (Gate)
        {
            _refreshing = AdviseLocked();
            return _refreshing;
        }
    }

    /// <summary>Gives the advice again if <see cref="Advise"/> succeeded and ten seconds have passed; cheap otherwise.</summary>
    public static void Refresh()
    {
        if (!Volatile.Read(ref _refreshing) || Stopwatch.GetTimestamp() - Volatile.Read(ref _advisedAt) < RefreshEveryTicks)
        {
            return;
        }

        lock (Gate)
        {
            if (Stopwatch.GetTimestamp() - _advisedAt >= RefreshEveryTicks)
            {
                AdviseLocked();
            }
        }
    }

    /// <summary>The address range the advice covers (empty before it is given).</summary>
    internal static (nint Start, nint End) Span => _span;

    private static bool AdviseLocked()
    {
        Volatile.Write(ref _advisedAt, Stopwatch.GetTimestamp());
        if (!OperatingSystem.IsLinux())
        {
            State = "not Linux: pages as the system gives them";
            return false;
        }

        string mode;
        try
        {
            mode = File.ReadAllText(ModePath);
        }
        catch (IOException)
        {
            State = "this kernel has no transparent huge pages";
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            State = "this kernel has no transparent huge pages";
            return false;
        }

        if (mode.Contains("[never]", StringComparison.Ordinal))
        {
            State = "transparent huge pages are turned off on this machine";
            return false;
        }

        if (_span.End == 0 || Madvise(_span.Start, (nuint)(_span.End - _span.Start), MadviseHugePage) != 0)
        {
            // First time, or the mappings changed under the span: find the reservation again.
            _span = FindHeapReservation();
            if (_span.End == 0)
            {
                State = "the managed heap's reservation was not found";
                return false;
            }

            if (Madvise(_span.Start, (nuint)(_span.End - _span.Start), MadviseHugePage) != 0)
            {
                State = $"the kernel refused the advice (errno {Marshal.GetLastPInvokeError()})";
                _span = default;
                return false;
            }
        }

        State = $"huge pages advised for the managed heap's {(_span.End - _span.Start) / (1L << 30)} GB reservation";
        return true;
    }

    private static unsafe (nint Start, nint End) FindHeapReservation()
    {
        var probe = GC.AllocateUninitializedArray<byte>(16, pinned: true);
        nint address;
        fixed (byte* p = probe)
        {
            address = (nint)p;
        }

        var range = GC.GetConfigurationVariables().TryGetValue("GCRegionRange", out var value) && value is long regionRange && regionRange > 0
            ? regionRange
            : 256L << 30;
        var low = (long)address - range;
        var high = (long)address + range;

        // /proc/self/maps lists mappings in address order: "start-end perms offset dev inode [path]".
        List<(long Start, long End, bool Anonymous)> maps = [];
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var dash = line.IndexOf('-', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash <= 0 || space <= dash)
            {
                continue;
            }

            var start = long.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = long.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var anonymous = fields.Length >= 5 && fields[4] == "0" && (fields.Length < 6 || string.IsNullOrWhiteSpace(fields[5]));
            maps.Add((start, end, anonymous));
        }

        var at = maps.FindIndex(m => m.Start <= address && address < m.End);
        if (at < 0 || !maps[at].Anonymous)
        {
            return default;
        }

        var first = at;
        while (first > 0 && maps[first - 1].Anonymous && maps[first - 1].End == maps[first].Start && maps[first - 1].Start >= low)
        {
            first--;
        }

        var last = at;
        while (last + 1 < maps.Count && maps[last + 1].Anonymous && maps[last + 1].Start == maps[last].End && maps[last + 1].End <= high)
        {
            last++;
        }

        GC.KeepAlive(probe);
        return ((nint)maps[first].Start, (nint)maps[last].End);
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
