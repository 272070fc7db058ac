using System.Diagnostics;
using System.Globalization;
using MathNet.Numerics.LinearAlgebra.Double;
using Reeltime.Evaluation;
using Reeltime.Recommendation.Offline;

namespace Reeltime.Cli;

/// <summary>
/// <c>./reeltime lab</c> (not in the usage text): quick experiments on protocol A's valid users. EASE is
/// fitted once; variants are scored per user, and every family of variants is checked two-fold over the
/// valid users (the variant chosen on one half, scored on the other, both ways) against EASE alone.
/// Test items are never read here.
/// </summary>
internal static class LabCommand
{
    private const int K = 10;

    /// <summary>
    /// <c>lab --foryou general|sequential --split-dir DIR --genres u.item [--weight w] [--videos n] [--penalty λ]</c>:
    /// the live engine's valid NDCG@10 with nearline settings given, test never read.
    /// </summary>
    private static int ForYou(Options options, Protocol protocol)
    {
        var genresFile = options.String("genres");
        var genres = genresFile is not null && File.Exists(genresFile) ? RatingFiles.ReadItemTags(genresFile) : null;
        var set = new EvaluationSet("lab", protocol, Split.Read(options.Required("split-dir")), genres);
        foreach (var weight in (options.String("weight") ?? new Reeltime.Recommendation.Engine.RankingWeights().Related.ToString(CultureInfo.InvariantCulture)).Split(','))
        {
            var engineOptions = new Reeltime.Recommendation.Engine.EngineOptions { ReproducibleIndexRefresh = true };
            engineOptions.Weights.Related = float.Parse(weight, CultureInfo.InvariantCulture);
            engineOptions.Nearline.Videos = options.Int("videos", engineOptions.Nearline.Videos);
            var nearline = engineOptions.Nearline;
            nearline.Penalty = double.Parse(options.String("penalty") ?? nearline.Penalty.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            nearline.RecencyHalfLife = float.Parse(options.String("recency") ?? nearline.RecencyHalfLife.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            nearline.RecencyShare = float.Parse(options.String("share") ?? nearline.RecencyShare.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            nearline.SequenceWeight = float.Parse(options.String("sequence") ?? nearline.SequenceWeight.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            var clock = Stopwatch.StartNew();
            using var scorer = new ForYouEngineScorer(engineOptions, later: protocol == Protocol.Sequential ? set.ValidInteractions : null);
            scorer.Fit(set.Train);
            var metrics = Evaluator.Evaluate(scorer, set, Stage.Valid);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{protocol} valid: weight {weight} videos {engineOptions.Nearline.Videos} penalty {engineOptions.Nearline.Penalty} recency {engineOptions.Nearline.RecencyHalfLife} share {engineOptions.Nearline.RecencyShare} sequence {engineOptions.Nearline.SequenceWeight}: NDCG@10 {metrics["ndcg@10"]:F4} recall@10 {metrics["recall@10"]:F4} ({clock.Elapsed.TotalSeconds:F0} s)"));
        }

        return 0;
    }

    public static int Run(Options options)
    {
        if (options.String("foryou") is { } protocolName)
        {
            return ForYou(options, protocolName == "sequential" ? Protocol.Sequential : Protocol.General);
        }

        var splitDirectory = options.Required("split-dir");
        var genresFile = options.String("genres");
        var genres = genresFile is not null && File.Exists(genresFile) ? RatingFiles.ReadItemTags(genresFile) : null;
        var set = new EvaluationSet("lab", Protocol.General, Split.Read(splitDirectory), genres);
        var lambda = double.Parse(options.String("lambda") ?? "400", CultureInfo.InvariantCulture);
        var emphasis = double.Parse(options.String("emphasis") ?? "0.4", CultureInfo.InvariantCulture);
        var ideas = (options.String("ideas") ?? "1,2,3,4").Split(',');
        var lab = new Lab(set, options.Int("fold-seed", 7));
        var clock = Stopwatch.StartNew();
        void Log(string line) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:F0} s] {line}"));

        var gram = ItemMatrix.CoEngagement(set.Train);
        var ease = EaseScorer.Solve(gram, EaseScorer.Penalties(gram, lambda, emphasis, 0));
        var baseScores = lab.Scores(ease);
        var baseline = lab.Ndcg(baseScores);
        Log(lab.Describe(string.Create(CultureInfo.InvariantCulture, $"ease λ={lambda} emphasis={emphasis}"), baseline));
        var standardBase = lab.Standardised(baseScores);

        if (options.String("with-infae") is { } infaeSettings)
        {
            // The engine's blend now leans on ∞-AE instead of EASE: later ideas must add to it.
            var parts = infaeSettings.Split(':');
            var infae = new InfiniteAutoencoderScorer(int.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
            infae.Fit(set.Train);
            standardBase = lab.Standardised(lab.ScoresFor(k =>
            {
                var s = new float[set.ItemCount];
                infae.Score(set.History(lab.UserIndex(k), Stage.Valid), s);
                return s;
            }));
            baseline = lab.Ndcg(standardBase);
            Log(lab.Describe($"base: ∞-AE {infaeSettings}", baseline));
        }

        if (options.String("with-lowpass") is { } lowPassRank)
        {
            // The engine's blend already holds a low-pass source: later ideas must add to EASE plus it.
            var lowPass = new LowPassScorer(int.Parse(lowPassRank, CultureInfo.InvariantCulture));
            lowPass.Fit(set.Train);
            var z = lab.Standardised(lab.Scores(lowPass));
            var alpha = float.Parse(options.String("lowpass-weight") ?? "0.3", CultureInfo.InvariantCulture);
            standardBase = lab.Standardised(Lab.Combine(standardBase, (k, s) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(z[k], alpha, s, s)));
            baseline = lab.Ndcg(standardBase);
            Log(lab.Describe(string.Create(CultureInfo.InvariantCulture, $"base: previous + {alpha} lowpass k={lowPassRank}"), baseline));
        }

        // A variant's standardised scores z added to the base with each weight of --alphas: one family member per weight.
        void AddedToBase(string idea, string tag, float[][] z, List<(string, double[])> family)
        {
            foreach (var alpha in (options.String("alphas") ?? "0.1,0.2,0.3,0.5,0.7,1").Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)))
            {
                var ndcg = lab.Ndcg(Lab.Combine(standardBase, (k, s) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(z[k], (float)alpha, s, s)));
                var name = string.Create(CultureInfo.InvariantCulture, $"{tag} α={alpha}");
                family.Add((name, ndcg));
                Log(lab.Describe($"{idea} {name}", ndcg));
            }
        }

        if (ideas.Contains("1"))
        {
            // 1. Item i's penalty λ · (count_i / mean)^β; λ re-searched with β since β moves the penalty's scale.
            var family = new List<(string, double[])> { ("β=0", baseline) };
            foreach (var beta in new[] { -0.5, -0.25, 0.25, 0.5, 1 })
            {
                foreach (var factor in new[] { 0.5, 1, 2 })
                {
                    var b = EaseScorer.Solve(gram, EaseScorer.Penalties(gram, lambda * factor, emphasis, beta));
                    var ndcg = lab.Ndcg(lab.Scores(b));
                    var name = string.Create(CultureInfo.InvariantCulture, $"β={beta} λ={lambda * factor}");
                    family.Add((name, ndcg));
                    Log(lab.Describe("1 " + name, ndcg));
                }
            }

            Log(lab.TwoFold("1 popularity-scaled penalty", baseline, family));
        }

        var counts = set.Train.ItemCounts;
        if (ideas.Contains("2"))
        {
            // 2. z-scored EASE minus γ · log(1 + count).
            var logCounts = counts.Select(c => (float)Math.Log(1 + c)).ToArray();
            var family = new List<(string, double[])> { ("γ=0", baseline) };
            foreach (var gamma in new[] { -0.3, -0.2, -0.1, -0.05, -0.02, 0.02, 0.05, 0.1, 0.2, 0.3 })
            {
                var ndcg = lab.Ndcg(Lab.Combine(standardBase, (k, s) =>
                {
                    for (var j = 0; j < s.Length; j++)
                    {
                        s[j] -= (float)gamma * logCounts[j];
                    }
                }));
                var name = string.Create(CultureInfo.InvariantCulture, $"γ={gamma}");
                family.Add((name, ndcg));
                Log(lab.Describe("2 " + name, ndcg));
            }

            Log(lab.TwoFold("2 popularity debiasing", baseline, family));
        }

        if (ideas.Contains("3"))
        {
            // 3. Co-engagement within ±w positions of each user's time-ordered history.
            var family = new List<(string, double[])> { ("α=0", baseline) };
            foreach (var window in new[] { 1, 3, 10, 30 })
            {
                var local = LocalGram(set.Train, window);
                var knn = Cosine(local);
                var sources = new List<(string, ItemMatrix)> { ("knn", knn) };
                if (options.String("local-ease") is "true")
                {
                    var mean = Enumerable.Range(0, local.ItemCount).Average(i => local.Row(i)[i]);
                    var globalMean = Enumerable.Range(0, gram.ItemCount).Average(i => gram.Row(i)[i]);
                    sources.Add(("ease", EaseScorer.Solve(local, EaseScorer.Penalties(local, lambda * mean / globalMean, emphasis, 0))));
                }

                foreach (var (kind, matrix) in sources)
                {
                    var z = lab.Standardised(lab.Scores(matrix));
                    Log(lab.Describe(string.Create(CultureInfo.InvariantCulture, $"3 local {kind} w={window} alone"), lab.Ndcg(z)));
                    foreach (var alpha in new[] { -0.2, -0.1, 0.05, 0.1, 0.2, 0.3, 0.5 })
                    {
                        var ndcg = lab.Ndcg(Lab.Combine(standardBase, (k, s) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(z[k], (float)alpha, s, s)));
                        var name = string.Create(CultureInfo.InvariantCulture, $"{kind} w={window} α={alpha}");
                        family.Add((name, ndcg));
                        Log(lab.Describe("3 " + name, ndcg));
                    }
                }
            }

            Log(lab.TwoFold("3 time-local co-engagement", baseline, family));
        }

        if (ideas.Contains("4") || ideas.Contains("7"))
        {
            // 4. GF-CF: the normalised item-item matrix R̃ᵀR̃, and an ideal low-pass from its top eigenvectors.
            var n = set.ItemCount;
            var normalised = new ItemMatrix(n);
            var itemNorm = counts.Select(c => c == 0 ? 0f : (float)(1 / Math.Sqrt(c))).ToArray();
            foreach (var history in set.Train.Histories)
            {
                var items = history.Items.Distinct().ToArray();
                if (items.Length == 0)
                {
                    continue;
                }

                var userWeight = 1f / items.Length;
                foreach (var i in items)
                {
                    var row = normalised.Row(i);
                    foreach (var j in items)
                    {
                        row[j] += userWeight * itemNorm[i] * itemNorm[j];
                    }
                }
            }

            var family = new List<(string, double[])> { ("α=0", baseline) };
            var linear = lab.Standardised(lab.Scores(normalised));
            Log(lab.Describe("4 linear filter alone", lab.Ndcg(linear)));
            var filters = new List<(string, float[][])> { ("linear", linear) };
            var p = new DenseMatrix(n, n);
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    p[i, j] = normalised.Row(i)[j];
                }
            }

            var evd = p.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            Log("4 eigen-decomposition done");
            var order = Enumerable.Range(0, n).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
            if (ideas.Contains("7"))
            {
                // 7. Soft low-pass filters (Butterworth): h(λ) = 1 / (1 + (λ_k / λ)^order) over the top 512 components,
                // with λ_k the k-th largest eigenvalue, instead of the ideal step at k.
                var top = Math.Min(512, n);
                var basis = DenseMatrix.Create(n, top, (i, c) => evd.EigenVectors[i, order[c]]);
                foreach (var spec in (options.String("soft") ?? "32:2,32:4,32:8,64:2,64:4,64:8").Split(','))
                {
                    var parts = spec.Split(':');
                    var cutoff = evd.EigenValues[order[int.Parse(parts[0], CultureInfo.InvariantCulture) - 1]].Real;
                    var filterOrder = double.Parse(parts[1], CultureInfo.InvariantCulture);
                    var scaled = DenseMatrix.Create(n, top, (i, c) =>
                    {
                        var value = evd.EigenValues[order[c]].Real;
                        return value <= 0 ? 0 : basis[i, c] / (1 + Math.Pow(cutoff / value, filterOrder));
                    });
                    var product = scaled * basis.Transpose();
                    var soft = new ItemMatrix(n);
                    for (var i = 0; i < n; i++)
                    {
                        var row = soft.Row(i);
                        for (var j = 0; j < n; j++)
                        {
                            row[j] = itemNorm[j] == 0 ? 0 : (float)(product[i, j] * itemNorm[i] / itemNorm[j]);
                        }
                    }

                    var z = lab.Standardised(lab.Scores(soft));
                    Log(lab.Describe(string.Create(CultureInfo.InvariantCulture, $"7 soft {spec} alone"), lab.Ndcg(z)));
                    filters.Add((string.Create(CultureInfo.InvariantCulture, $"soft {spec}"), z));
                }
            }

            foreach (var rank in (options.String("ranks") ?? "64,128,256").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).Where(_ => ideas.Contains("4")))
            {
                // D^-½ U Uᵀ D^½ applied to the user's row.
                var ideal = new ItemMatrix(n);
                var u = new double[n, rank];
                for (var i = 0; i < n; i++)
                {
                    for (var c = 0; c < rank; c++)
                    {
                        u[i, c] = evd.EigenVectors[i, order[c]];
                    }
                }

                for (var i = 0; i < n; i++)
                {
                    var row = ideal.Row(i);
                    for (var j = 0; j < n; j++)
                    {
                        if (itemNorm[j] == 0)
                        {
                            continue;
                        }

                        double dot = 0;
                        for (var c = 0; c < rank; c++)
                        {
                            dot += u[i, c] * u[j, c];
                        }

                        // Row i is what engaging with i adds to every j: d_i^-½ (U Uᵀ)_ij d_j^½.
                        row[j] = (float)(dot * itemNorm[i] / itemNorm[j]);
                    }
                }

                var z = lab.Standardised(lab.Scores(ideal));
                Log(lab.Describe(string.Create(CultureInfo.InvariantCulture, $"4 ideal k={rank} alone"), lab.Ndcg(z)));
                filters.Add((string.Create(CultureInfo.InvariantCulture, $"ideal k={rank}"), z));
                var mixed = Lab.Combine(linear, (k, s) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(z[k], 0.3f, s, s));
                filters.Add((string.Create(CultureInfo.InvariantCulture, $"linear+0.3 ideal k={rank}"), lab.Standardised(mixed)));
            }

            foreach (var (kind, z) in filters)
            {
                foreach (var alpha in (options.String("alphas") ?? "0.05,0.1,0.2,0.3,0.5").Split(',').Select(a => double.Parse(a, CultureInfo.InvariantCulture)))
                {
                    var ndcg = lab.Ndcg(Lab.Combine(standardBase, (k, s) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(z[k], (float)alpha, s, s)));
                    var name = string.Create(CultureInfo.InvariantCulture, $"{kind} α={alpha}");
                    family.Add((name, ndcg));
                    Log(lab.Describe("4 " + name, ndcg));
                }
            }

            Log(lab.TwoFold("4 graph filter", baseline, family));
        }

        if (ideas.Contains("8"))
        {
            // 8. EASE's own settings chosen for the blend with the low-pass source, not alone: a less smoothed EASE
            // may combine better with a filter that already smooths. Scored against the current base (λ, emphasis of
            // the options, low-pass k = 64 at 0.3).
            var lowPass = new LowPassScorer(64);
            lowPass.Fit(set.Train);
            var z = lab.Standardised(lab.Scores(lowPass));
            var current = lab.Ndcg(Lab.Combine(standardBase, (k, s) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(z[k], 0.3f, s, s)));
            Log(lab.Describe("8 current base", current));
            var family = new List<(string, double[])> { ("current", current) };
            foreach (var l in new[] { 50.0, 100, 200, 400, 800 })
            {
                foreach (var e in new[] { 0.0, 0.2, 0.4, 0.8 })
                {
                    var easeScores = lab.Standardised(lab.Scores(EaseScorer.Solve(gram, EaseScorer.Penalties(gram, l, e, 0))));
                    foreach (var alpha in new[] { 0.2f, 0.3f, 0.5f, 0.8f })
                    {
                        var ndcg = lab.Ndcg(Lab.Combine(easeScores, (k, s) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(z[k], alpha, s, s)));
                        var name = string.Create(CultureInfo.InvariantCulture, $"λ={l} e={e} α={alpha}");
                        family.Add((name, ndcg));
                        Log(lab.Describe("8 " + name, ndcg));
                    }
                }
            }

            Log(lab.TwoFold("8 EASE settings for the blend", current, family));
        }

        if (ideas.Contains("5"))
        {
            // 5. User-side EASE: each user's row predicted from the other users' rows (a users × users closed form).
            var users = set.Train.UserCount;
            var itemsOf = set.Train.Histories.Select(h => h.Items.Distinct().ToArray()).ToArray();
            var userGram = UserGram(itemsOf, set.ItemCount);

            var family = new List<(string, double[])> { ("α=0", baseline) };
            foreach (var userLambda in (options.String("user-lambdas") ?? "20,50,100,200,500").Split(',').Select(a => double.Parse(a, CultureInfo.InvariantCulture)))
            {
                var b = EaseScorer.Solve(userGram, EaseScorer.Penalties(userGram, userLambda, 0, 0));
                var scores = lab.ScoresFor(k =>
                {
                    var s = new float[set.ItemCount];
                    var u = lab.UserIndex(k);
                    for (var v = 0; v < users; v++)
                    {
                        var w = b.Row(v)[u];
                        if (w != 0)
                        {
                            foreach (var i in itemsOf[v])
                            {
                                s[i] += w;
                            }
                        }
                    }

                    return s;
                });
                var z = lab.Standardised(scores);
                Log(lab.Describe(string.Create(CultureInfo.InvariantCulture, $"5 user ease λ={userLambda} alone"), lab.Ndcg(z)));
                AddedToBase("5", string.Create(CultureInfo.InvariantCulture, $"user λ={userLambda}"), z, family);
            }

            Log(lab.TwoFold("5 user-side EASE", baseline, family));
        }

        if (ideas.Contains("9"))
        {
            // 9. ∞-AE (Sachdeva et al., 2022): kernel ridge regression of each user's row on all users' rows with
            // the neural tangent kernel of an infinitely wide ReLU autoencoder, a non-linear function of the
            // users' cosine. With A = (K + λI)⁻¹ the fit K·A·X equals X − λ·A·X, and the user's own items are
            // excluded from the ranking, so −(A·X) ranks the same.
            var users = set.Train.UserCount;
            var itemsOf = set.Train.Histories.Select(h => h.Items.Distinct().ToArray()).ToArray();
            var family = new List<(string, double[])> { ("α=0", baseline) };
            var exponents = (options.String("item-exponents") ?? "0").Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            foreach (var (depth, beta) in (options.String("depths") ?? "0,1,2").Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).SelectMany(d => exponents.Select(b => (d, b))))
            {
                // β > 0 weighs an item's part in two users' likeness by count^-β (popular items say less).
                var userGram = UserGram(itemsOf, set.ItemCount, [.. counts.Select(c => c == 0 ? 0 : (float)Math.Pow(c, -2 * beta))]);
                foreach (var scaled in exponents.Length > 1 ? [false] : new[] { false, true })
                {
                    var kernel = new double[users * users];
                    var meanDiagonal = 0.0;
                    for (var u = 0; u < users; u++)
                    {
                        for (var v = 0; v < users; v++)
                        {
                            var norms = Math.Sqrt(userGram.Row(u)[u] * (double)userGram.Row(v)[v]);
                            var c = norms == 0 ? 0 : Math.Clamp(userGram.Row(u)[v] / norms, -1, 1);
                            kernel[(u * users) + v] = (scaled ? norms : 1) * InfiniteAutoencoderScorer.TangentKernel(c, depth);
                        }

                        meanDiagonal += kernel[(u * users) + u] / users;
                    }

                    foreach (var ratio in (options.String("ridges") ?? "0.03,0.1,0.3,1,3").Split(',').Select(a => double.Parse(a, CultureInfo.InvariantCulture)))
                    {
                        var a = (double[])kernel.Clone();
                        for (var u = 0; u < users; u++)
                        {
                            a[(u * users) + u] += ratio * meanDiagonal;
                        }

                        SymmetricInverse.Invert(a, users);
                        var scores = lab.ScoresFor(k =>
                        {
                            var s = new float[set.ItemCount];
                            var u = lab.UserIndex(k);
                            for (var v = 0; v < users; v++)
                            {
                                var w = (float)-a[(u * users) + v];
                                foreach (var i in itemsOf[v])
                                {
                                    s[i] += w;
                                }
                            }

                            return s;
                        });
                        var z = lab.Standardised(scores);
                        var tag = string.Create(CultureInfo.InvariantCulture, $"depth={depth}{(scaled ? " scaled" : "")} β={beta} λ={ratio}");
                        Log(lab.Describe($"9 ∞-AE {tag} alone", lab.Ndcg(z)));
                        AddedToBase("9", tag, z, family);
                    }
                }
            }

            Log(lab.TwoFold("9 ∞-AE", baseline, family));
        }

        if (ideas.Contains("10"))
        {
            // 10. The item side of 9: the neural tangent kernel of the items' cosine (over their audiences) in
            // place of EASE's Gram matrix, A = (K + λI)⁻¹; ranked by −x·A, and, with EASE's zero-diagonal
            // constraint, by −x·A·diag(A)⁻¹.
            var n = set.ItemCount;
            var family = new List<(string, double[])> { ("α=0", baseline) };
            foreach (var depth in (options.String("depths") ?? "1,2,3").Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)))
            {
                var kernel = new double[n * n];
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < n; j++)
                    {
                        var norms = Math.Sqrt(gram.Row(i)[i] * (double)gram.Row(j)[j]);
                        kernel[(i * n) + j] = norms == 0 ? (i == j ? 1 : 0) : InfiniteAutoencoderScorer.TangentKernel(gram.Row(i)[j] / norms, depth);
                    }
                }

                foreach (var ratio in (options.String("ridges") ?? "0.1,0.3,1,3,10").Split(',').Select(a => double.Parse(a, CultureInfo.InvariantCulture)))
                {
                    var a = (double[])kernel.Clone();
                    for (var i = 0; i < n; i++)
                    {
                        a[(i * n) + i] += ratio * (depth + 1);
                    }

                    SymmetricInverse.Invert(a, n);
                    foreach (var constrained in new[] { false, true })
                    {
                        var weights = new ItemMatrix(n);
                        for (var i = 0; i < n; i++)
                        {
                            var row = weights.Row(i);
                            for (var j = 0; j < n; j++)
                            {
                                row[j] = (float)(-a[(i * n) + j] / (constrained ? a[(j * n) + j] : 1));
                            }
                        }

                        var z = lab.Standardised(lab.Scores(weights));
                        var tag = string.Create(CultureInfo.InvariantCulture, $"depth={depth} λ={ratio}{(constrained ? " zero-diagonal" : "")}");
                        Log(lab.Describe($"10 item ∞-AE {tag} alone", lab.Ndcg(z)));
                        AddedToBase("10", tag, z, family);
                    }
                }
            }

            Log(lab.TwoFold("10 item-side ∞-AE", baseline, family));
        }

        if (ideas.Contains("11"))
        {
            // 11. Does the better source depend on how much a viewer has watched? EASE's and the base's NDCG by
            // quartile of history length, then EASE added to the base with a weight that follows the length:
            // only for the lighter half, only for the heavier half, or in proportion to the standardised log
            // length (feature-weighted linear stacking, Sill et al., 2009).
            var count = baseline.Length;
            var lengths = Enumerable.Range(0, count).Select(k => (double)set.History(lab.UserIndex(k), Stage.Valid).Items.Distinct().Count()).ToArray();
            var sortedLengths = lengths.Order().ToArray();
            var easeZ = lab.Standardised(baseScores);
            var easeAlone = lab.Ndcg(easeZ);
            for (var q = 0; q < 4; q++)
            {
                var low = sortedLengths[q * count / 4];
                var high = q == 3 ? double.MaxValue : sortedLengths[(q + 1) * count / 4];
                var members = Enumerable.Range(0, count).Where(k => lengths[k] >= low && lengths[k] < high).ToArray();
                if (members.Length == 0)
                {
                    continue;
                }

                Log(string.Create(CultureInfo.InvariantCulture,
                    $"11 quartile {q + 1} (history {low}–{(q == 3 ? sortedLengths[^1] : high - 1)}, {members.Length} viewers): ease {members.Average(k => easeAlone[k]):F4}, base {members.Average(k => baseline[k]):F4}"));
            }

            var median = sortedLengths[count / 2];
            var logs = lengths.Select(l => Math.Log(l)).ToArray();
            var meanLog = logs.Average();
            var sdLog = Math.Sqrt(logs.Average(l => (l - meanLog) * (l - meanLog)));
            var gates = new (string Name, Func<int, float> Gate)[]
            {
                ("lighter half", k => lengths[k] < median ? 1f : 0f),
                ("heavier half", k => lengths[k] >= median ? 1f : 0f),
                ("+log length", k => (float)((logs[k] - meanLog) / sdLog)),
                ("−log length", k => (float)(-(logs[k] - meanLog) / sdLog)),
                ("½ + log length", k => (float)(0.5 + ((logs[k] - meanLog) / sdLog))),
                ("1 + log length", k => (float)(1 + ((logs[k] - meanLog) / sdLog))),
            };
            var family = new List<(string, double[])> { ("α=0", baseline) };
            foreach (var (name, gate) in gates)
            {
                var gated = Lab.Combine(easeZ, (k, z) => System.Numerics.Tensors.TensorPrimitives.Multiply(z, gate(k), z));
                AddedToBase("11", $"ease × {name}", gated, family);
            }

            Log(lab.TwoFold("11 activity-gated EASE", baseline, family));
        }

        if (ideas.Contains("6"))
        {
            // 6. Two hops of EASE: the scores propagated once more through B (what the predicted items would predict).
            var family = new List<(string, double[])> { ("α=0", baseline) };
            var twoHop = lab.ScoresFor(k =>
            {
                var s = new float[set.ItemCount];
                var first = baseScores[k];
                for (var i = 0; i < first.Length; i++)
                {
                    if (first[i] > 0)
                    {
                        ease.AddRow(i, first[i], s);
                    }
                }

                return s;
            });
            var z = lab.Standardised(twoHop);
            Log(lab.Describe("6 two-hop alone", lab.Ndcg(z)));
            foreach (var alpha in (options.String("alphas") ?? "-0.3,-0.1,0.1,0.2,0.3,0.5,0.7,1").Split(',').Select(a => double.Parse(a, CultureInfo.InvariantCulture)))
            {
                var ndcg = lab.Ndcg(Lab.Combine(standardBase, (k, s) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(z[k], (float)alpha, s, s)));
                var name = string.Create(CultureInfo.InvariantCulture, $"two-hop α={alpha}");
                family.Add((name, ndcg));
                Log(lab.Describe("6 " + name, ndcg));
            }

            Log(lab.TwoFold("6 two-hop EASE", baseline, family));
        }

        return 0;
    }

    /// <summary>Pairs of a user's items at most <paramref name="window"/> positions apart in time order (the diagonal holds counts).</summary>
    private static ItemMatrix LocalGram(InteractionLog log, int window)
    {
        var m = new ItemMatrix(log.ItemCount);
        foreach (var history in log.Histories)
        {
            var items = history.Items;
            for (var a = 0; a < items.Length; a++)
            {
                m.Row(items[a])[items[a]] += 1;
                for (var b = a + 1; b < Math.Min(items.Length, a + window + 1); b++)
                {
                    m.Row(items[a])[items[b]] += 1;
                    m.Row(items[b])[items[a]] += 1;
                }
            }
        }

        return m;
    }

    private static ItemMatrix UserGram(int[][] itemsOf, int itemCount, float[]? itemWeights = null)
    {
        var userGram = new ItemMatrix(itemsOf.Length);
        var audiences = Enumerable.Range(0, itemCount).Select(_ => new List<int>()).ToArray();
        for (var u = 0; u < itemsOf.Length; u++)
        {
            foreach (var i in itemsOf[u])
            {
                audiences[i].Add(u);
            }
        }

        for (var i = 0; i < itemCount; i++)
        {
            var weight = itemWeights?[i] ?? 1;
            foreach (var u in audiences[i])
            {
                var row = userGram.Row(u);
                foreach (var v in audiences[i])
                {
                    row[v] += weight;
                }
            }
        }

        return userGram;
    }

    /// <summary>Cosine of the co-engagement counts, diagonal zero.</summary>
    private static ItemMatrix Cosine(ItemMatrix gram)
    {
        var n = gram.ItemCount;
        var result = new ItemMatrix(n);
        var norms = Enumerable.Range(0, n).Select(i => Math.Sqrt(Math.Max(gram.Row(i)[i], 0))).ToArray();
        for (var i = 0; i < n; i++)
        {
            var from = gram.Row(i);
            var to = result.Row(i);
            for (var j = 0; j < n; j++)
            {
                to[j] = i == j || norms[i] == 0 || norms[j] == 0 ? 0 : (float)(from[j] / (norms[i] * norms[j]));
            }
        }

        return result;
    }

    private sealed class Lab
    {
        private readonly EvaluationSet set;
        private readonly int[] users;
        private readonly bool[][] excluded;
        private readonly HashSet<int>[] targets;
        private readonly int[] fold;

        public Lab(EvaluationSet set, int foldSeed)
        {
            this.set = set;
            users = set.Users(Stage.Valid);
            excluded = new bool[users.Length][];
            for (var k = 0; k < users.Length; k++)
            {
                excluded[k] = new bool[set.ItemCount];
                set.MarkExcluded(users[k], Stage.Valid, excluded[k]);
            }

            targets = [.. users.Select(u => set.Targets(u, Stage.Valid).ToHashSet())];
            var order = Enumerable.Range(0, users.Length).ToArray();
            new Random(foldSeed).Shuffle(order);
            fold = new int[users.Length];
            for (var r = 0; r < order.Length; r++)
            {
                fold[order[r]] = r < order.Length / 2 ? 0 : 1;
            }
        }

        public float[][] Scores(ItemMatrix weights)
        {
            var scores = new float[users.Length][];
            Parallel.For(0, users.Length, k =>
            {
                scores[k] = new float[set.ItemCount];
                foreach (var item in set.History(users[k], Stage.Valid).Items.Distinct())
                {
                    weights.AddRow(item, 1, scores[k]);
                }
            });
            return scores;
        }

        public int UserIndex(int k) => users[k];

        public float[][] ScoresFor(Func<int, float[]> score)
        {
            var scores = new float[users.Length][];
            Parallel.For(0, users.Length, k => scores[k] = score(k));
            return scores;
        }

        public float[][] Scores(LowPassScorer scorer)
        {
            var scores = new float[users.Length][];
            for (var k = 0; k < users.Length; k++)
            {
                scores[k] = new float[set.ItemCount];
                scorer.Score(set.History(users[k], Stage.Valid), scores[k]);
            }

            return scores;
        }

        public float[][] Standardised(float[][] scores)
        {
            var result = new float[scores.Length][];
            for (var k = 0; k < scores.Length; k++)
            {
                result[k] = (float[])scores[k].Clone();
                BlendedScorer.Standardise(result[k], excluded[k]);
            }

            return result;
        }

        public static float[][] Combine(float[][] start, Action<int, float[]> change)
        {
            var result = new float[start.Length][];
            for (var k = 0; k < start.Length; k++)
            {
                result[k] = (float[])start[k].Clone();
                change(k, result[k]);
            }

            return result;
        }

        public double[] Ndcg(float[][] scores)
        {
            var result = new double[users.Length];
            Parallel.For(0, users.Length, k =>
            {
                var top = RankingMetrics.Top(scores[k], excluded[k], K);
                Span<double> sums = stackalloc double[RankingMetrics.Names.Length];
                RankingMetrics.Accumulate(top, targets[k], K, sums);
                result[k] = sums[1];
            });
            return result;
        }

        private double Mean(double[] perUser, int half) => Enumerable.Range(0, perUser.Length).Where(k => half < 0 || fold[k] == half).Average(k => perUser[k]);

        public string Describe(string name, double[] perUser) =>
            string.Create(CultureInfo.InvariantCulture, $"{name}: valid {Mean(perUser, -1):F4} (halves {Mean(perUser, 0):F4} / {Mean(perUser, 1):F4})");

        /// <summary>For each half: the best variant on it, scored on the other half, against EASE on that other half.</summary>
        public string TwoFold(string title, double[] baseline, List<(string Name, double[] PerUser)> family)
        {
            var lines = new List<string>();
            foreach (var fitted in new[] { 0, 1 })
            {
                var scored = 1 - fitted;
                var best = family.MaxBy(v => Mean(v.PerUser, fitted));
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"chosen on half {fitted}: {best.Name} ({Mean(best.PerUser, fitted):F4}); on half {scored} {Mean(best.PerUser, scored):F4} vs ease {Mean(baseline, scored):F4} ({Mean(best.PerUser, scored) - Mean(baseline, scored):+0.0000;-0.0000})"));
            }

            var overall = family.MaxBy(v => Mean(v.PerUser, -1));
            return $"TWO-FOLD {title}: " + string.Join("; ", lines) + string.Create(CultureInfo.InvariantCulture, $"; best on all valid {overall.Name} {Mean(overall.PerUser, -1):F4} vs ease {Mean(baseline, -1):F4}");
        }
    }
}
