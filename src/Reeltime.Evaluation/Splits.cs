namespace Reeltime.Evaluation;

/// <summary>The two measuring conventions of PROTOCOL.md.</summary>
public enum Protocol
{
    /// <summary>Protocol A: per user a random 80/10/10 split; train and (for test) valid items are excluded from the ranking.</summary>
    General,

    /// <summary>Protocol B: per user leave-one-out by time; the evaluator excludes nothing.</summary>
    Sequential,
}

/// <summary>A split of a data set into train, valid and test, with the original ids.</summary>
public sealed record Split(IReadOnlyList<Rating> Train, IReadOnlyList<Rating> Valid, IReadOnlyList<Rating> Test)
{
    /// <summary>The original text of ids that were not plain integers, for writing the split back; <c>null</c> when all were.</summary>
    public IdTokens? Tokens { get; init; }

    /// <summary>The split's file names in a folder.</summary>
    public static readonly string[] FileNames = ["train.tsv", "valid.tsv", "test.tsv"];

    /// <summary>Reads <c>train.tsv</c>, <c>valid.tsv</c> and <c>test.tsv</c> from <paramref name="directory"/>.</summary>
    public static Split Read(string directory)
    {
        foreach (var name in FileNames)
        {
            if (!File.Exists(Path.Combine(directory, name)))
            {
                throw new FileNotFoundException($"The split folder has no {name}.", Path.Combine(directory, name));
            }
        }

        var tokens = new IdTokens();
        return new Split(
            RatingFiles.Read(Path.Combine(directory, "train.tsv"), tokens),
            RatingFiles.Read(Path.Combine(directory, "valid.tsv"), tokens),
            RatingFiles.Read(Path.Combine(directory, "test.tsv"), tokens))
        {
            Tokens = tokens.Any ? tokens : null,
        };
    }

    /// <summary>Writes the three files into <paramref name="directory"/>, creating it.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        RatingFiles.Write(Path.Combine(directory, "train.tsv"), Train, Tokens);
        RatingFiles.Write(Path.Combine(directory, "valid.tsv"), Valid, Tokens);
        RatingFiles.Write(Path.Combine(directory, "test.tsv"), Test, Tokens);
    }

    /// <summary>
    /// Makes the split of PROTOCOL.md, deterministic for a given <paramref name="seed"/> and input order.
    /// General: each user's ratings shuffled; the first n - 2⌊n/10⌋ train, the next ⌊n/10⌋ valid, the rest test.
    /// Sequential: each user's ratings by time (ties keep file order); the last is test, the one before valid.
    /// </summary>
    /// <param name="ratings">The data set's ratings in file order.</param>
    /// <param name="protocol">Which split.</param>
    /// <param name="seed">The shuffle's seed (general).</param>
    /// <param name="tokens">The table the ratings' ids were read with, carried to <see cref="Write"/>.</param>
    public static Split Make(IReadOnlyList<Rating> ratings, Protocol protocol, int seed, IdTokens? tokens = null)
    {
        // One seeded generator walked over users in id order: the same seed and file give the same split.
        var random = new Random(seed);
        List<Rating> train = [], valid = [], test = [];
        foreach (var group in ratings.Select((r, i) => (r, i)).GroupBy(p => p.r.User).OrderBy(g => g.Key))
        {
            var list = group.OrderBy(p => p.i).Select(p => p.r).ToArray();
            int held;
            if (protocol == Protocol.General)
            {
                random.Shuffle(list);
                held = list.Length / 10;
            }
            else
            {
                list = [.. list.Select((r, i) => (r, i)).OrderBy(p => p.r.Time).ThenBy(p => p.i).Select(p => p.r)];
                held = list.Length >= 3 ? 1 : 0;
            }

            var trainCount = list.Length - (2 * held);
            train.AddRange(list[..trainCount]);
            valid.AddRange(list[trainCount..(trainCount + held)]);
            test.AddRange(list[(trainCount + held)..]);
        }

        return new Split(train, valid, test) { Tokens = tokens is { Any: true } ? tokens : null };
    }
}
