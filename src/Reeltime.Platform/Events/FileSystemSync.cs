using System.Runtime.InteropServices;

namespace Reeltime.Platform.Events;

/// <summary>Makes directory entries (new, renamed files) durable, which fsync on the file alone does not.</summary>
public static class FileSystemSync
{
    private const int ReadOnly = 0;
    private const int InvalidArgument = 22; // EINVAL on Linux and macOS

    /// <summary>fsyncs <paramref name="directory"/> so files created or renamed in it survive a crash.</summary>
    public static void FlushDirectory(string directory)
    {
        // .NET refuses to open a directory as a file, so this goes to libc. On Windows, NTFS journals
        // directory changes and there is no portable way to flush a directory; skip it there.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // A NUL-terminated UTF-8 path passed as bytes: no string marshalling to get wrong.
        byte[] path = System.Text.Encoding.UTF8.GetBytes(directory + "\0");
        int fd = NativeMethods.open(path, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Could not open directory '{directory}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            // Some file systems cannot fsync a directory (EINVAL); their entries are as durable as they get.
            if (NativeMethods.fsync(fd) != 0 && Marshal.GetLastPInvokeError() != InvalidArgument)
            {
                throw new IOException($"Could not flush directory '{directory}' (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int open(byte[] path, int flags);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int close(int fd);
    }
}
