namespace Reeltime.Recommendation.Engine;

/// <summary>
/// A clock that follows the events given to the engine rather than the wall: for driving the engine with a
/// recorded or simulated log, where "now" is the time of the latest event. It never goes back.
/// </summary>
public sealed class EventTimeClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

    /// <summary>Moves the clock to <paramref name="unixMs"/> unless it is already later.</summary>
    public void Set(long unixMs)
    {
        var next = DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
        if (next > _now)
        {
            _now = next;
        }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _now;
}
