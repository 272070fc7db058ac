namespace Reeltime.Recommendation.Offline;

/// <summary>
/// Matrix factorisation trained with Bayesian personalised ranking (Rendle et al., 2009): for a sampled
/// engagement (u, i) and an item j the user has not engaged with, a stochastic gradient step on
/// ln σ(x̂ui - x̂uj) with L2 regularisation. A user the log did not hold is folded in as the mean of their
/// items' vectors.
/// </summary>
/// <param name="Factors">Vector length.</param>
/// <param name="Epochs">Passes over the engagements in <see cref="Fit"/> (one pass = as many samples as engagements).</param>
/// <param name="LearningRate">SGD step.</param>
/// <param name="Regularisation">L2 weight on the vectors touched by a step.</param>
/// <param name="Seed">Seed of initialisation and sampling, so that a fit is reproducible.</param>
public sealed record BprScorer(int Factors = 64, int Epochs = 60, float LearningRate = 0.05f, float Regularisation = 0.002f, int Seed = 7) : IItemScorer
{
    private float[] users = [];
    private float[] items = [];
    private float[] biases = [];
    private InteractionLog log = new(0, 0, []);
    private HashSet<int>[] seen = [];
    private Random random = new(0);

    /// <inheritdoc />
    public string Name => "bpr";

    /// <summary>Passes over the data made since <see cref="Start"/>.</summary>
    public int EpochsTrained { get; private set; }

    /// <inheritdoc />
    public void Fit(InteractionLog log)
    {
        Start(log);
        Train(Epochs);
    }

    /// <summary>Initialises the vectors for <paramref name="log"/> without training.</summary>
    public void Start(InteractionLog log)
    {
        this.log = log;
        random = new Random(Seed);
        users = new float[log.UserCount * Factors];
        items = new float[log.ItemCount * Factors];
        biases = new float[log.ItemCount];
        for (var k = 0; k < users.Length; k++)
        {
            users[k] = (float)(random.NextDouble() - 0.5) * 0.1f;
        }

        for (var k = 0; k < items.Length; k++)
        {
            items[k] = (float)(random.NextDouble() - 0.5) * 0.1f;
        }

        seen = [.. log.Histories.Select(h => h.Items.ToHashSet())];
        EpochsTrained = 0;
    }

    /// <summary>Continues training for <paramref name="epochs"/> more passes.</summary>
    public void Train(int epochs)
    {
        var all = log.Interactions;
        if (all.Length == 0)
        {
            return;
        }

        var f = Factors;
        var lr = LearningRate;
        var reg = Regularisation;
        for (var e = 0; e < epochs; e++, EpochsTrained++)
        {
            for (var s = 0; s < all.Length; s++)
            {
                var x = all[random.Next(all.Length)];
                int j;
                do
                {
                    j = random.Next(log.ItemCount);
                }
                while (seen[x.User].Contains(j));

                var pu = users.AsSpan(x.User * f, f);
                var qi = items.AsSpan(x.Item * f, f);
                var qj = items.AsSpan(j * f, f);
                var diff = biases[x.Item] - biases[j];
                for (var k = 0; k < f; k++)
                {
                    diff += pu[k] * (qi[k] - qj[k]);
                }

                var g = 1 / (1 + MathF.Exp(diff));
                biases[x.Item] += lr * (g - (reg * biases[x.Item]));
                biases[j] += lr * (-g - (reg * biases[j]));
                for (var k = 0; k < f; k++)
                {
                    var u = pu[k];
                    pu[k] += lr * ((g * (qi[k] - qj[k])) - (reg * u));
                    qi[k] += lr * ((g * u) - (reg * qi[k]));
                    qj[k] += lr * ((-g * u) - (reg * qj[k]));
                }
            }
        }
    }

    /// <summary>A copy of the learned parameters, to go back to with <see cref="Restore"/> (early stopping).</summary>
    public (float[] Users, float[] Items, float[] Biases, int Epochs) Snapshot() =>
        ((float[])users.Clone(), (float[])items.Clone(), (float[])biases.Clone(), EpochsTrained);

    /// <summary>Restores parameters taken with <see cref="Snapshot"/>.</summary>
    public void Restore((float[] Users, float[] Items, float[] Biases, int Epochs) snapshot)
    {
        (users, items, biases, EpochsTrained) = ((float[])snapshot.Users.Clone(), (float[])snapshot.Items.Clone(), (float[])snapshot.Biases.Clone(), snapshot.Epochs);
    }

    /// <inheritdoc />
    public void Score(History history, Span<float> scores)
    {
        var f = Factors;
        Span<float> user = stackalloc float[f];
        if (history.User >= 0 && history.User < log.UserCount)
        {
            users.AsSpan(history.User * f, f).CopyTo(user);
        }
        else if (history.Count > 0)
        {
            foreach (var item in history.Items)
            {
                var q = items.AsSpan(item * f, f);
                for (var k = 0; k < f; k++)
                {
                    user[k] += q[k] / history.Count;
                }
            }
        }

        for (var i = 0; i < log.ItemCount; i++)
        {
            scores[i] = biases[i] + System.Numerics.Tensors.TensorPrimitives.Dot(user, items.AsSpan(i * f, f));
        }
    }
}
