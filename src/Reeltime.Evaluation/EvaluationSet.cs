using Reeltime.Recommendation.Offline;

namespace Reeltime.Evaluation;

/// <summary>Which held-out part is being scored.</summary>
public enum Stage
{
    /// <summary>The validation items: used to select hyper-parameters and learn the blend.</summary>
    Valid,

    /// <summary>The test items: reported once, never used to choose anything.</summary>
    Test,
}

/// <summary>
/// A split turned into what models and the evaluator use: dense indices, the training log, and per user
/// and stage the history a model sees, the items left out of the ranking, and the held-out targets.
/// </summary>
public sealed class EvaluationSet
{
    private readonly History[] trainHistories;
    private readonly History[] validHistories;
    private readonly int[][] validTargets;
    private readonly int[][] testTargets;

    /// <summary>Builds the set. The catalogue is every item of the split (and of <paramref name="itemTags"/>, if given).</summary>
    public EvaluationSet(string dataset, Protocol protocol, Split split, IReadOnlyDictionary<int, int[]>? itemTags = null)
    {
        Dataset = dataset;
        Protocol = protocol;
        var all = split.Train.Concat(split.Valid).Concat(split.Test).ToArray();
        UserIds = [.. all.Select(r => r.User).Distinct().Order()];
        ItemIds = [.. all.Select(r => r.Item).Concat(itemTags?.Keys ?? []).Distinct().Order()];
        var userIndex = UserIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var itemIndex = ItemIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var tags = ItemIds.Select(id => itemTags?.GetValueOrDefault(id) ?? []).ToArray();

        Interaction Dense(Rating r) => new(userIndex[r.User], itemIndex[r.Item], r.Time);
        Train = new InteractionLog(UserIds.Length, ItemIds.Length, [.. split.Train.Select(Dense)], tags);
        var validLog = new InteractionLog(UserIds.Length, ItemIds.Length, [.. split.Valid.Select(Dense)], tags);
        var testLog = new InteractionLog(UserIds.Length, ItemIds.Length, [.. split.Test.Select(Dense)], tags);
        trainHistories = Train.Histories;
        validHistories = validLog.Histories;
        ValidInteractions = validLog.Interactions;
        validTargets = [.. validLog.Histories.Select(h => h.Items.Distinct().ToArray())];
        testTargets = [.. testLog.Histories.Select(h => h.Items.Distinct().ToArray())];
    }

    /// <summary>The data set's name, for reports.</summary>
    public string Dataset { get; }

    /// <summary>The protocol the split follows.</summary>
    public Protocol Protocol { get; }

    /// <summary>Original user id of each dense user index.</summary>
    public int[] UserIds { get; }

    /// <summary>Original item id of each dense item index.</summary>
    public int[] ItemIds { get; }

    /// <summary>What every model is fitted on.</summary>
    public InteractionLog Train { get; }

    /// <summary>The validation engagements, oldest first: what protocol B's test histories hold beyond train.</summary>
    public IReadOnlyList<Interaction> ValidInteractions { get; }

    /// <summary>Number of items in the catalogue.</summary>
    public int ItemCount => ItemIds.Length;

    /// <summary>Users with at least one held-out item at <paramref name="stage"/>.</summary>
    public int[] Users(Stage stage) => [.. Enumerable.Range(0, UserIds.Length).Where(u => Targets(u, stage).Length > 0)];

    /// <summary>The held-out items of <paramref name="user"/>.</summary>
    public int[] Targets(int user, Stage stage) => stage == Stage.Valid ? validTargets[user] : testTargets[user];

    /// <summary>
    /// The history a model sees. General: the train items (models are trained on train only). Sequential:
    /// train for valid, train then valid for test (PROTOCOL.md, B.2).
    /// </summary>
    public History History(int user, Stage stage) =>
        Protocol == Protocol.Sequential && stage == Stage.Test ? trainHistories[user].Append(validHistories[user]) : trainHistories[user];

    /// <summary>
    /// Marks the items left out of <paramref name="user"/>'s ranking. General: train items (valid), train and
    /// valid items (test), as the protocol requires. Sequential: the evaluator excludes nothing, and every
    /// model here applies its own seen filter to the history it was given, as RecBole does for the peers'
    /// general models and as Reeltime's feed does.
    /// </summary>
    public void MarkExcluded(int user, Stage stage, Span<bool> excluded)
    {
        excluded.Clear();
        foreach (var item in trainHistories[user].Items)
        {
            excluded[item] = true;
        }

        if (stage == Stage.Test)
        {
            foreach (var item in validHistories[user].Items)
            {
                excluded[item] = true;
            }
        }
    }
}
