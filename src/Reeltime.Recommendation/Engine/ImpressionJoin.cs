namespace Reeltime.Recommendation.Engine;

/// <summary>What an impression led to, joined from later events.</summary>
[Flags]
internal enum Outcome : byte
{
    None = 0,
    LongWatch = 1,
    Like = 2,
    Share = 4,
    Follow = 8,
}

/// <summary>
/// Impressions waiting for their outcomes: each holds the ranker's features as they were when the video
/// was shown (no leakage from what happened after), the outcomes seen so far and the watch ratio. When
/// the outcome window has passed the impression becomes one training example; whatever did not happen
/// by then is a negative. An impression opened when a video was served to a client that reports what it
/// shows stays unshown until the client says so (or the viewer plays or reacts to it); one still unshown
/// when its window passes was fetched ahead and never seen, and teaches nothing.
/// </summary>
internal sealed class ImpressionJoin(int features)
{
    private readonly Dictionary<(long User, int Video), int> _open = [];
    private readonly Queue<int> _order = new();
    private readonly Stack<int> _free = new();
    private long[] _user = new long[1024];
    private int[] _video = new int[1024];
    private long[] _atMs = new long[1024];
    private float[] _features = new float[1024 * features];
    private float[] _ratio = new float[1024];
    private Outcome[] _outcome = new Outcome[1024];
    private bool[] _shown = new bool[1024];
    private int _slots;

    // On disk the "not yet shown" mark shares the outcome's byte, in a bit no outcome uses, so snapshots
    // written before the mark existed read as shown, which is what they meant.
    private const byte UnshownBit = 0x80;

    public int Count => _open.Count;

    public int Video(int slot) => _video[slot];

    public Span<float> Features(int slot) => _features.AsSpan(slot * features, features);

    public Outcome OutcomeOf(int slot) => _outcome[slot];

    public float Ratio(int slot) => _ratio[slot];

    public bool IsShown(int slot) => _shown[slot];

    /// <summary>Marks an impression as shown; true if it was not before.</summary>
    public bool Show(int slot)
    {
        if (_shown[slot])
        {
            return false;
        }

        _shown[slot] = true;
        return true;
    }

    public bool TryFind(long user, int video, out int slot) => _open.TryGetValue((user, video), out slot);

    /// <summary>Opens an impression; false (and the open slot) if one is already open for the pair.</summary>
    public bool TryOpen(long user, int video, long atMs, bool shown, out int slot)
    {
        if (_open.TryGetValue((user, video), out slot))
        {
            return false;
        }

        if (!_free.TryPop(out slot))
        {
            slot = _slots++;
            if (slot == _user.Length)
            {
                var size = slot * 2;
                Array.Resize(ref _user, size);
                Array.Resize(ref _video, size);
                Array.Resize(ref _atMs, size);
                Array.Resize(ref _features, size * features);
                Array.Resize(ref _ratio, size);
                Array.Resize(ref _outcome, size);
                Array.Resize(ref _shown, size);
            }
        }

        _user[slot] = user;
        _video[slot] = video;
        _atMs[slot] = atMs;
        _ratio[slot] = 0;
        _outcome[slot] = Outcome.None;
        _shown[slot] = shown;
        _open.Add((user, video), slot);
        _order.Enqueue(slot);
        return true;
    }

    public void Record(int slot, Outcome outcome, float ratio)
    {
        _outcome[slot] |= outcome;
        _ratio[slot] = Math.Max(_ratio[slot], ratio);
    }

    /// <summary>Takes the oldest impression if it opened before <paramref name="beforeMs"/> (or the join is over <paramref name="max"/>).</summary>
    public bool TryTakeExpired(long beforeMs, int max, out int slot)
    {
        if (_order.TryPeek(out slot) && (_atMs[slot] < beforeMs || _open.Count > max))
        {
            _order.Dequeue();
            return true;
        }

        slot = -1;
        return false;
    }

    /// <summary>Frees a slot taken with <see cref="TryTakeExpired"/>.</summary>
    public void Release(int slot)
    {
        _open.Remove((_user[slot], _video[slot]));
        _free.Push(slot);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_order.Count);
        foreach (var slot in _order)
        {
            writer.Write(_user[slot]);
            writer.Write(_video[slot]);
            writer.Write(_atMs[slot]);
            writer.Write(_ratio[slot]);
            writer.Write((byte)((byte)_outcome[slot] | (_shown[slot] ? 0 : UnshownBit)));
            foreach (var x in Features(slot))
            {
                writer.Write(x);
            }
        }
    }

    public void Read(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var user = reader.ReadInt64();
            var video = reader.ReadInt32();
            var at = reader.ReadInt64();
            TryOpen(user, video, at, shown: true, out var slot);
            _ratio[slot] = reader.ReadSingle();
            var outcome = reader.ReadByte();
            _outcome[slot] = (Outcome)(outcome & ~UnshownBit);
            _shown[slot] = (outcome & UnshownBit) == 0;
            var x = Features(slot);
            for (var f = 0; f < features; f++)
            {
                x[f] = reader.ReadSingle();
            }
        }
    }
}
