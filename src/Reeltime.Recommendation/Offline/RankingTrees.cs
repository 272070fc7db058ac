namespace Reeltime.Recommendation.Offline;

/// <summary>
/// Rows to rank in groups (one group per user: that user's candidates), each row a fixed-length feature
/// vector with a 0/1 label (engaged with in the held-out part or not).
/// </summary>
/// <param name="Features">Row-major, <paramref name="FeatureCount"/> values per row.</param>
/// <param name="FeatureCount">Features per row.</param>
/// <param name="GroupStarts">First row of each group, then the row count (length = groups + 1).</param>
/// <param name="Labels">1 for an engaged row, else 0.</param>
/// <param name="Relevant">Held-out items per group, also those outside the candidates (for the ideal DCG).</param>
public sealed record RankingRows(float[] Features, int FeatureCount, int[] GroupStarts, float[] Labels, int[] Relevant)
{
    /// <summary>Number of rows.</summary>
    public int Count => Labels.Length;

    /// <summary>Number of groups.</summary>
    public int GroupCount => GroupStarts.Length - 1;

    /// <summary>Mean NDCG@<paramref name="k"/> over groups of the order given by <paramref name="scores"/>; a group's ideal counts all its relevant items.</summary>
    public double Ndcg(float[] scores, int k)
    {
        var total = 0.0;
        var order = new List<int>();
        for (var g = 0; g < GroupCount; g++)
        {
            order.Clear();
            for (var r = GroupStarts[g]; r < GroupStarts[g + 1]; r++)
            {
                order.Add(r);
            }

            order.Sort((a, b) => scores[b] != scores[a] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));
            double dcg = 0, ideal = 0;
            for (var p = 0; p < Math.Min(k, order.Count); p++)
            {
                dcg += Labels[order[p]] / Math.Log2(p + 2);
            }

            for (var p = 0; p < Math.Min(k, Relevant[g]); p++)
            {
                ideal += 1 / Math.Log2(p + 2);
            }

            total += ideal == 0 ? 0 : dcg / ideal;
        }

        return GroupCount == 0 ? 0 : total / GroupCount;
    }
}

/// <summary>Settings of <see cref="RankingTrees"/>.</summary>
/// <param name="Trees">Boosting rounds.</param>
/// <param name="LearningRate">Shrinkage of every tree's output.</param>
/// <param name="Depth">Levels per tree (up to 2^Depth leaves).</param>
/// <param name="MinLeafRows">Fewest rows a leaf may hold.</param>
/// <param name="L2">Penalty on leaf values (Newton step denominator).</param>
/// <param name="Bins">Quantile bins per feature (at most 255).</param>
public sealed record TreeSettings(int Trees = 300, float LearningRate = 0.05f, int Depth = 5, int MinLeafRows = 100, float L2 = 1, int Bins = 64);

/// <summary>
/// Gradient-boosted regression trees trained with LambdaRank gradients (LambdaMART; Burges, 2010): each
/// pair of a relevant and an irrelevant row of one group pushes the two apart in proportion to how much
/// swapping them would change the group's NDCG, so the trees learn to order a user's candidates rather
/// than to predict labels. Splits are searched on quantile bins of each feature, with Newton leaf values.
/// </summary>
/// <remarks>
/// Written here rather than taken from a package: the well-kept boosting libraries for .NET (ML.NET's
/// LightGBM and FastTree trainers) bring native binaries and the whole ML.NET data pipeline for what is a
/// few hundred small trees over a hundred thousand rows; this is about 200 lines, managed and reproducible.
/// </remarks>
public sealed class RankingTrees
{
    private readonly List<Tree> trees = [];

    private RankingTrees(TreeSettings settings) => Settings = settings;

    /// <summary>The settings it was trained with.</summary>
    public TreeSettings Settings { get; }

    /// <summary>Trees kept (after <see cref="Truncate"/>).</summary>
    public int TreeCount => trees.Count;

    /// <summary>Trains on <paramref name="rows"/>; <paramref name="afterTree"/> sees each tree as it is added.</summary>
    public static RankingTrees Train(RankingRows rows, TreeSettings settings, Action<RankingTrees>? afterTree = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var model = new RankingTrees(settings);
        var n = rows.Count;
        var f = rows.FeatureCount;
        var thresholds = new float[f][];
        var bins = new byte[f][];
        for (var c = 0; c < f; c++)
        {
            thresholds[c] = Thresholds(rows, c, settings.Bins);
            bins[c] = new byte[n];
            for (var r = 0; r < n; r++)
            {
                bins[c][r] = (byte)Bin(thresholds[c], rows.Features[(r * f) + c]);
            }
        }

        // Groups without a relevant candidate give no gradient: leave them out of the trees' rows.
        var active = new List<int>();
        for (var g = 0; g < rows.GroupCount; g++)
        {
            var any = false;
            for (var r = rows.GroupStarts[g]; r < rows.GroupStarts[g + 1] && !any; r++)
            {
                any = rows.Labels[r] > 0;
            }

            if (any)
            {
                for (var r = rows.GroupStarts[g]; r < rows.GroupStarts[g + 1]; r++)
                {
                    active.Add(r);
                }
            }
        }

        // Every row starts at 0; ties keep the rows' order, so the trees start from the order they were given.
        var scores = new float[n];
        var gradients = new float[n];
        var hessians = new float[n];
        var all = active.ToArray();
        for (var t = 0; t < settings.Trees; t++)
        {
            LambdaGradients(rows, scores, gradients, hessians);
            var tree = Grow(all, bins, thresholds, gradients, hessians, settings);
            model.trees.Add(tree);
            for (var r = 0; r < n; r++)
            {
                scores[r] += tree.Predict(rows.Features.AsSpan(r * f, f));
            }

            afterTree?.Invoke(model);
        }

        return model;
    }

    /// <summary>Keeps the first <paramref name="count"/> trees (early stopping chosen on held-out rows).</summary>
    public void Truncate(int count)
    {
        if (count < trees.Count)
        {
            trees.RemoveRange(count, trees.Count - count);
        }
    }

    /// <summary>The score of one feature row (sum of the trees).</summary>
    public float Predict(ReadOnlySpan<float> features)
    {
        var s = 0f;
        foreach (var tree in trees)
        {
            s += tree.Predict(features);
        }

        return s;
    }

    /// <summary>Adds the latest tree's output for every row of <paramref name="rows"/> into <paramref name="scores"/>.</summary>
    public void AddLatest(RankingRows rows, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var tree = trees[^1];
        for (var r = 0; r < rows.Count; r++)
        {
            scores[r] += tree.Predict(rows.Features.AsSpan(r * rows.FeatureCount, rows.FeatureCount));
        }
    }

    private static void LambdaGradients(RankingRows rows, float[] scores, float[] gradients, float[] hessians)
    {
        Array.Clear(gradients);
        Array.Clear(hessians);
        Parallel.For(0, rows.GroupCount, g =>
        {
            var start = rows.GroupStarts[g];
            var count = rows.GroupStarts[g + 1] - start;
            var ideal = 0.0;
            for (var p = 0; p < Math.Min(count, rows.Relevant[g]); p++)
            {
                ideal += 1 / Math.Log2(p + 2);
            }

            if (ideal == 0)
            {
                return;
            }

            var order = Enumerable.Range(start, count).OrderByDescending(r => scores[r]).ThenBy(r => r).ToArray();
            var discount = new float[count];
            for (var p = 0; p < count; p++)
            {
                discount[order[p] - start] = (float)(1 / Math.Log2(p + 2) / ideal);
            }

            for (var i = start; i < start + count; i++)
            {
                if (rows.Labels[i] <= 0)
                {
                    continue;
                }

                for (var j = start; j < start + count; j++)
                {
                    if (rows.Labels[j] > 0)
                    {
                        continue;
                    }

                    var delta = Math.Abs(discount[i - start] - discount[j - start]);
                    var rho = 1 / (1 + MathF.Exp(scores[i] - scores[j]));
                    gradients[i] += rho * delta;
                    gradients[j] -= rho * delta;
                    var h = rho * (1 - rho) * delta;
                    hessians[i] += h;
                    hessians[j] += h;
                }
            }
        });
    }

    private static Tree Grow(int[] rows, byte[][] bins, float[][] thresholds, float[] gradients, float[] hessians, TreeSettings settings)
    {
        var nodes = new List<Node>();
        var leaves = new List<float>();

        int Build(int[] members, int depth)
        {
            double g = 0, h = 0;
            foreach (var r in members)
            {
                g += gradients[r];
                h += hessians[r];
            }

            var best = depth < settings.Depth && members.Length >= 2 * settings.MinLeafRows
                ? BestSplit(members, bins, gradients, hessians, g, h, settings)
                : null;
            if (best is not { } split)
            {
                leaves.Add((float)(settings.LearningRate * g / (h + settings.L2)));
                return ~(leaves.Count - 1);
            }

            var column = bins[split.Feature];
            var left = members.Where(r => column[r] <= split.Bin).ToArray();
            var right = members.Where(r => column[r] > split.Bin).ToArray();
            var index = nodes.Count;
            nodes.Add(default);
            var l = Build(left, depth + 1);
            var rr = Build(right, depth + 1);
            nodes[index] = new Node(split.Feature, thresholds[split.Feature][split.Bin], l, rr);
            return index;
        }

        var root = Build(rows, 0);
        return new Tree([.. nodes], [.. leaves], root);
    }

    private static (int Feature, int Bin)? BestSplit(int[] members, byte[][] bins, float[] gradients, float[] hessians, double g, double h, TreeSettings settings)
    {
        var parent = g * g / (h + settings.L2);
        (int Feature, int Bin, double Gain)? best = null;
        var gradientSums = new double[256];
        var hessianSums = new double[256];
        var counts = new int[256];
        for (var c = 0; c < bins.Length; c++)
        {
            Array.Clear(gradientSums);
            Array.Clear(hessianSums);
            Array.Clear(counts);
            var column = bins[c];
            foreach (var r in members)
            {
                var b = column[r];
                gradientSums[b] += gradients[r];
                hessianSums[b] += hessians[r];
                counts[b]++;
            }

            double gl = 0, hl = 0;
            var nl = 0;
            for (var b = 0; b < 255; b++)
            {
                gl += gradientSums[b];
                hl += hessianSums[b];
                nl += counts[b];
                if (nl < settings.MinLeafRows)
                {
                    continue;
                }

                if (members.Length - nl < settings.MinLeafRows)
                {
                    break;
                }

                var gain = (gl * gl / (hl + settings.L2)) + ((g - gl) * (g - gl) / (h - hl + settings.L2)) - parent;
                if (gain > 1e-9 && (best is null || gain > best.Value.Gain))
                {
                    best = (c, b, gain);
                }
            }
        }

        return best is { } chosen ? (chosen.Feature, chosen.Bin) : null;
    }

    /// <summary>Up to <paramref name="count"/> - 1 cut points at the feature's quantiles (distinct values only).</summary>
    private static float[] Thresholds(RankingRows rows, int feature, int count)
    {
        var step = Math.Max(1, rows.Count / 20_000);
        var values = new List<float>();
        for (var r = 0; r < rows.Count; r += step)
        {
            values.Add(rows.Features[(r * rows.FeatureCount) + feature]);
        }

        values.Sort();
        var cuts = new SortedSet<float>();
        for (var q = 1; q < count; q++)
        {
            var v = values[Math.Min(values.Count - 1, q * values.Count / count)];
            if (v < values[^1])
            {
                cuts.Add(v);
            }
        }

        return [.. cuts];
    }

    /// <summary>The bin of <paramref name="value"/>: the number of cut points below it.</summary>
    private static int Bin(float[] cuts, float value)
    {
        int lo = 0, hi = cuts.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (cuts[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>An inner node: rows whose feature is at most the threshold go left. Children below 0 are leaves (~index).</summary>
    private readonly record struct Node(int Feature, float Threshold, int Left, int Right);

    private sealed class Tree(Node[] nodes, float[] leaves, int root)
    {
        public float Predict(ReadOnlySpan<float> features)
        {
            var at = root;
            while (at >= 0)
            {
                var node = nodes[at];
                at = features[node.Feature] <= node.Threshold ? node.Left : node.Right;
            }

            return leaves[~at];
        }
    }
}
