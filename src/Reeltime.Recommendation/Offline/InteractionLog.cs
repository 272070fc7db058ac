namespace Reeltime.Recommendation.Offline;

/// <summary>One engagement of a user with an item (a watch, or on MovieLens a rating) at a unix time.</summary>
/// <param name="User">Dense user index, 0 … <see cref="InteractionLog.UserCount"/> - 1.</param>
/// <param name="Item">Dense item index, 0 … <see cref="InteractionLog.ItemCount"/> - 1.</param>
/// <param name="Time">Unix seconds.</param>
public readonly record struct Interaction(int User, int Item, long Time);

/// <summary>A user's engagements in time order (ties keep the order they were recorded in).</summary>
public sealed class History
{
    /// <summary>An empty history, for a visitor or a user the log has not seen.</summary>
    public static readonly History Empty = new([], []);

    /// <summary>Creates a history from parallel arrays already in time order.</summary>
    /// <param name="items">Item indices, oldest first.</param>
    /// <param name="times">Unix seconds of each item.</param>
    /// <param name="user">The user's index in the log the scorers were fitted on, or -1 for someone it did not hold.</param>
    public History(int[] items, long[] times, int user = -1)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(items.Length, times.Length);
        Items = items;
        Times = times;
        User = user;
    }

    /// <summary>The user's index in the fitted log, or -1; scorers with per-user parameters use it.</summary>
    public int User { get; }

    /// <summary>Item indices, oldest first.</summary>
    public int[] Items { get; }

    /// <summary>Unix seconds of each item in <see cref="Items"/>.</summary>
    public long[] Times { get; }

    /// <summary>Number of engagements.</summary>
    public int Count => Items.Length;

    /// <summary>Time of the latest engagement, or <see langword="null"/> when empty.</summary>
    public long? LastTime => Times.Length == 0 ? null : Times[^1];

    /// <summary>This history followed by <paramref name="later"/> (which must not be older).</summary>
    public History Append(History later) =>
        later.Count == 0 ? this : new History([.. Items, .. later.Items], [.. Times, .. later.Times], User);
}

/// <summary>
/// What a batch scorer is fitted on: engagements with their times, and the tags of every item (on a
/// short-video catalogue its hashtags; on MovieLens the genres). Users and items are dense indices so that
/// scorers can keep plain arrays.
/// </summary>
public sealed class InteractionLog
{
    /// <summary>Builds the log; <paramref name="interactions"/> may come in any order.</summary>
    public InteractionLog(int userCount, int itemCount, IReadOnlyList<Interaction> interactions, int[][]? itemTags = null)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        UserCount = userCount;
        ItemCount = itemCount;
        ItemTags = itemTags ?? [.. Enumerable.Repeat(Array.Empty<int>(), itemCount)];
        ArgumentOutOfRangeException.ThrowIfNotEqual(ItemTags.Length, itemCount);
        TagCount = ItemTags.Length == 0 ? 0 : ItemTags.Max(t => t.Length == 0 ? 0 : t.Max() + 1);

        // A stable sort keeps the recorded order of engagements within the same second.
        Interactions = [.. interactions.Select((x, i) => (x, i)).OrderBy(p => p.x.Time).ThenBy(p => p.i).Select(p => p.x)];
        var perUser = new List<Interaction>[userCount];
        for (var u = 0; u < userCount; u++)
        {
            perUser[u] = [];
        }

        ItemCounts = new int[itemCount];
        foreach (var x in Interactions)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x.User, userCount);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x.Item, itemCount);
            perUser[x.User].Add(x);
            ItemCounts[x.Item]++;
        }

        Histories = [.. perUser.Select((l, u) => new History([.. l.Select(x => x.Item)], [.. l.Select(x => x.Time)], u))];
    }

    /// <summary>Number of users (dense indices below it).</summary>
    public int UserCount { get; }

    /// <summary>Number of items in the catalogue (dense indices below it), engaged with or not.</summary>
    public int ItemCount { get; }

    /// <summary>Number of distinct tags (dense indices below it).</summary>
    public int TagCount { get; }

    /// <summary>All engagements, oldest first.</summary>
    public Interaction[] Interactions { get; }

    /// <summary>Each user's engagements in time order.</summary>
    public History[] Histories { get; }

    /// <summary>Tag indices of each item.</summary>
    public int[][] ItemTags { get; }

    /// <summary>Engagements per item.</summary>
    public int[] ItemCounts { get; }
}
