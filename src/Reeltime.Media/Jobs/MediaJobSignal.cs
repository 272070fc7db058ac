namespace Reeltime.Media.Jobs;

/// <summary>Wakes idle workers when a job is queued in this process, so that they need not wait for the next poll.</summary>
public sealed class MediaJobSignal : IDisposable
{
    private readonly SemaphoreSlim waiting = new(0, 64);

    /// <summary>Says a job may be ready.</summary>
    public void Notify()
    {
        try
        {
            waiting.Release();
        }
        catch (SemaphoreFullException)
        {
            // Enough wake-ups are already pending.
        }
    }

    /// <summary>Waits for a notification or the timeout.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => waiting.WaitAsync(timeout, cancellationToken);

    public void Dispose() => waiting.Dispose();
}
