namespace Reeltime.Platform.Events;

/// <summary>
/// The append-only log of watch and engagement events: the path from a swipe to the recommender.
/// Embedded: segment files on local disk with group commit. At scale: a NATS JetStream stream.
/// </summary>
public interface IEventLog
{
    /// <summary>
    /// Appends the events in order and completes only when they are durable (fsynced).
    /// Returns the offset given to the first event of the batch.
    /// </summary>
    ValueTask<long> AppendAsync(ReadOnlyMemory<WatchEvent> events, CancellationToken cancellationToken = default);

    /// <summary>The offset the next appended event will get (the count of durable events).</summary>
    long NextOffset { get; }

    /// <summary>
    /// Copies durable events starting at <paramref name="fromOffset"/> into <paramref name="buffer"/>;
    /// returns how many were copied (0 when the reader is at the end of the log).
    /// </summary>
    ValueTask<int> ReadAsync(long fromOffset, Memory<LoggedEvent> buffer, CancellationToken cancellationToken = default);

    /// <summary>Completes when an event at or beyond <paramref name="offset"/> is durable.</summary>
    ValueTask WaitForOffsetAsync(long offset, CancellationToken cancellationToken = default);
}

/// <summary>Where consumers of the event log keep how far they have read.</summary>
public interface IEventLogCheckpoints
{
    /// <summary>The offset the consumer should read next (0 if it never checkpointed).</summary>
    ValueTask<long> GetAsync(string consumer, CancellationToken cancellationToken = default);

    /// <summary>Durably records that <paramref name="consumer"/> has applied every event before <paramref name="nextOffset"/>.</summary>
    ValueTask SaveAsync(string consumer, long nextOffset, CancellationToken cancellationToken = default);
}
