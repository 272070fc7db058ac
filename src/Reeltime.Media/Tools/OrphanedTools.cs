using System.Diagnostics;
using System.Globalization;

namespace Reeltime.Media.Tools;

/// <summary>
/// Finds and ends the ffmpeg and ffprobe processes that a killed server left running. A SIGKILL takes the
/// server but not its children: they go on burning CPU and writing into scratch folders the next run is
/// about to empty. They are recognised by their name and by where they work: the pipeline runs them in a
/// job's folder under this data directory's scratch folder, with paths relative to it, so their working
/// directory (or, for a tool started otherwise, an argument) lies under that folder. Linux only (it reads
/// <c>/proc</c>); elsewhere none are found.
/// </summary>
public static class OrphanedTools
{
    /// <summary>The processes named <paramref name="tools"/> (by file name) that work in, or name a path under, <paramref name="scratchFolder"/>.</summary>
    public static IReadOnlyList<int> Find(string scratchFolder, IEnumerable<string> tools)
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            return [];
        }

        var names = tools.Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var under = Path.TrimEndingDirectorySeparator(Path.GetFullPath(scratchFolder)) + Path.DirectorySeparatorChar;
        List<int> found = [];
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id == Environment.ProcessId)
            {
                continue;
            }

            var arguments = CommandLine(id);
            if (arguments.Length > 1 && names.Contains(Path.GetFileName(arguments[0]))
                && ((WorkingDirectory(id) + Path.DirectorySeparatorChar).StartsWith(under, StringComparison.Ordinal) || arguments.Skip(1).Any(a => a.Contains(under, StringComparison.Ordinal))))
            {
                found.Add(id);
            }
        }

        return found;
    }

    /// <summary>Kills what <see cref="Find"/> finds and waits (briefly) until each is gone; returns their ids.</summary>
    public static IReadOnlyList<int> Kill(string scratchFolder, IEnumerable<string> tools)
    {
        var orphans = Find(scratchFolder, tools);
        foreach (var id in orphans)
        {
            try
            {
                using var process = Process.GetProcessById(id);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It ended by itself, or is not ours to end; either way it is not writing for us.
            }
        }

        // A killed process keeps its command line until the kernel has torn it down (a zombie has none):
        // wait for that, so that nothing writes into scratch space while it is emptied.
        var waited = Stopwatch.StartNew();
        while (orphans.Any(id => CommandLine(id).Length > 0) && waited.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(20);
        }

        return orphans;
    }

    private static string WorkingDirectory(int id)
    {
        try
        {
            return new DirectoryInfo(string.Create(CultureInfo.InvariantCulture, $"/proc/{id}/cwd")).LinkTarget ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string[] CommandLine(int id)
    {
        try
        {
            return File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{id}/cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
