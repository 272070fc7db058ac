using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Reeltime.Media.Tools;

/// <summary>How an ffmpeg or ffprobe run ended.</summary>
/// <param name="ExitCode">The exit code (meaningless when <paramref name="TimedOut"/>).</param>
/// <param name="Output">Standard output, when it was captured.</param>
/// <param name="ErrorTail">The last few kilobytes of standard error, for logs and diagnosis.</param>
/// <param name="TimedOut">The run overran its time and was killed.</param>
public sealed record ProcessOutcome(int ExitCode, string Output, string ErrorTail, bool TimedOut)
{
    /// <summary>The run finished on its own with exit code 0.</summary>
    public bool Succeeded => !TimedOut && ExitCode == 0;

    /// <summary>The run hit its address-space limit (the allocation failure ffmpeg reports, or a kill by signal).</summary>
    public bool OutOfMemory => !TimedOut && (ErrorTail.Contains("Cannot allocate memory", StringComparison.Ordinal) || ExitCode is 134 or 137 or -6 or -9);
}

/// <summary>
/// Runs ffmpeg and ffprobe as owned, limited processes: arguments one by one (never a command string a file
/// name could break), an address-space and CPU-time limit through <c>prlimit</c>, lower priority through
/// <c>nice</c>, a wall-clock timeout after which the process is killed, and a kill on cancellation.
/// The CPU limit also ends a process orphaned by a crash of the server.
/// </summary>
public sealed class MediaProcess(MediaOptions options)
{
    private const int ErrorTailChars = 4000;
    private static readonly string? Prlimit = File.Exists("/usr/bin/prlimit") ? "/usr/bin/prlimit" : null;
    private static readonly string? Nice = File.Exists("/usr/bin/nice") ? "/usr/bin/nice" : null;

    /// <summary>Whether the operating system's limit tools were found (they are on every Debian system).</summary>
    public static bool Limited => Prlimit is not null && Nice is not null;

    /// <summary>Runs <paramref name="executable"/> under the limits; each stdout line goes to <paramref name="onLine"/> when given, otherwise stdout is returned.</summary>
    public async Task<ProcessOutcome> RunAsync(string executable, IReadOnlyList<string> arguments, TimeSpan timeout, string workingDirectory, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };

        if (Prlimit is not null && Nice is not null)
        {
            start.FileName = Prlimit;
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--as={(long)options.ProcessMemoryMiB * 1024 * 1024}"));
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--cpu={(long)Math.Ceiling(timeout.TotalSeconds * Math.Max(2, Environment.ProcessorCount))}"));
            start.ArgumentList.Add("--core=0");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(Nice);
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(options.Niceness.ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add(executable);
        }
        else
        {
            start.FileName = executable;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A clean environment: nothing the server inherited (proxies, library paths) reaches ffmpeg.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["LC_ALL"] = "C";

        using var process = new Process { StartInfo = start };
        process.Start();
        process.StandardInput.Close();

        var output = new StringBuilder();
        var errors = new StringBuilder();
        var readOutput = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
            {
                if (onLine is not null)
                {
                    onLine(line);
                }
                else if (output.Length < 4 * 1024 * 1024)
                {
                    output.Append(line).Append('\n');
                }
            }
        }, CancellationToken.None);
        var readErrors = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (errors)
                {
                    errors.Append(line).Append('\n');
                    if (errors.Length > 2 * ErrorTailChars)
                    {
                        errors.Remove(0, errors.Length - ErrorTailChars);
                    }
                }
            }
        }, CancellationToken.None);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }

        await Task.WhenAll(readOutput, readErrors);
        string tail;
        lock (errors)
        {
            tail = errors.Length > ErrorTailChars ? errors.ToString(errors.Length - ErrorTailChars, ErrorTailChars) : errors.ToString();
        }

        return new ProcessOutcome(timedOut ? -1 : process.ExitCode, output.ToString(), tail, timedOut);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended by itself in the meantime.
        }
    }
}
