using System.Collections.Concurrent;

namespace Reeltime.Platform.Accounts;

/// <summary>
/// Failed sign-ins counted per account and client address, so that someone guessing at an account from one
/// address is stopped there, while the owner signing in from their own address is not locked out by them.
/// </summary>
/// <remarks>
/// In memory, per server: a restart forgets it (the account's own, higher limit is kept in the database), and a
/// cluster would keep it in its shared cache. Bounded: past <see cref="MaxEntries"/> the entries that have
/// lapsed are dropped.
/// </remarks>
public sealed class SignInFailures
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<(long UserId, string Address), Entry> _entries = new();

    /// <summary>How long the pair stays refused, or null when it may try.</summary>
    public TimeSpan? LockedFor(long userId, string address, DateTime now) =>
        _entries.TryGetValue((userId, address), out var entry) && entry.LockedUntil > now ? entry.LockedUntil - now : null;

    /// <summary>Counts a failure; the pair is refused for <paramref name="lockout"/> once it reaches <paramref name="max"/>.</summary>
    public void Failed(long userId, string address, DateTime now, int max, TimeSpan lockout)
    {
        if (_entries.Count >= MaxEntries)
        {
            foreach (var (key, old) in _entries)
            {
                if (old.LockedUntil <= now && now - old.LastAt > lockout)
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }

        _entries.AddOrUpdate((userId, address), _ => new Entry(1, max <= 1 ? now + lockout : DateTime.MinValue, now), (_, e) =>
        {
            // A failure long after the last starts the count afresh.
            var count = now - e.LastAt > lockout ? 1 : e.Count + 1;
            return count >= max ? new Entry(0, now + lockout, now) : new Entry(count, e.LockedUntil, now);
        });
    }

    /// <summary>A success clears the pair's count.</summary>
    public void Succeeded(long userId, string address) => _entries.TryRemove((userId, address), out _);

    private readonly record struct Entry(int Count, DateTime LockedUntil, DateTime LastAt);
}
