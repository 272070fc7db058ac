namespace Reeltime.Evaluation.Tests;

public class SplitTests
{
    private static List<Rating> Ratings()
    {
        // 30 users with 20–49 ratings each, times shuffled, some sharing a second.
        var random = new Random(3);
        var ratings = new List<Rating>();
        for (var u = 1; u <= 30; u++)
        {
            var n = 20 + random.Next(30);
            foreach (var i in Enumerable.Range(1, 200).OrderBy(_ => random.Next()).Take(n))
            {
                ratings.Add(new Rating(u, i, 1 + random.Next(5), 1_000_000 + (random.Next(40) * 60)));
            }
        }

        return [.. ratings.OrderBy(_ => random.Next())];
    }

    [Fact]
    public void General_split_is_deterministic_per_seed_and_sized_per_protocol()
    {
        var ratings = Ratings();
        var a = Split.Make(ratings, Protocol.General, 2020);
        var b = Split.Make(ratings, Protocol.General, 2020);
        var c = Split.Make(ratings, Protocol.General, 2021);

        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Valid, b.Valid);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Test, c.Test);
        foreach (var user in ratings.GroupBy(r => r.User))
        {
            var n = user.Count();
            Assert.Equal(n / 10, a.Valid.Count(r => r.User == user.Key));
            Assert.Equal(n / 10, a.Test.Count(r => r.User == user.Key));
            Assert.Equal(n - (2 * (n / 10)), a.Train.Count(r => r.User == user.Key));
        }

        Assert.Equal(ratings.OrderBy(r => (r.User, r.Item)), a.Train.Concat(a.Valid).Concat(a.Test).OrderBy(r => (r.User, r.Item)));
    }

    [Fact]
    public void Sequential_split_holds_out_the_last_two_by_time_with_ties_in_file_order()
    {
        List<Rating> ratings =
        [
            new(1, 10, 5, 300), new(1, 11, 5, 100), new(1, 12, 5, 300), new(1, 13, 5, 200), new(1, 14, 5, 300),
            new(2, 20, 5, 50), new(2, 21, 5, 40), new(2, 22, 5, 60),
        ];

        var split = Split.Make(ratings, Protocol.Sequential, 1);

        // User 1: by time 11, 13, then 10, 12, 14 all at 300 in file order: valid 12, test 14.
        Assert.Equal([new Rating(1, 12, 5, 300), new Rating(2, 20, 5, 50)], split.Valid);
        Assert.Equal([new Rating(1, 14, 5, 300), new Rating(2, 22, 5, 60)], split.Test);
        Assert.Equal([11, 13, 10, 21], split.Train.Select(r => r.Item));
    }

    [Fact]
    public void Split_files_round_trip()
    {
        var split = Split.Make(Ratings(), Protocol.General, 7);
        var directory = Path.Combine(Path.GetTempPath(), "reeltime-split-" + Guid.NewGuid().ToString("N"));
        try
        {
            split.Write(directory);
            var read = Split.Read(directory);
            Assert.Equal(split.Train, read.Train);
            Assert.Equal(split.Valid, read.Valid);
            Assert.Equal(split.Test, read.Test);
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }

    [Fact]
    public void General_protocol_excludes_train_for_valid_and_train_plus_valid_for_test_and_shows_only_train()
    {
        List<Rating> train = [new(1, 1, 5, 10), new(1, 2, 5, 20)];
        List<Rating> valid = [new(1, 3, 5, 15)];
        List<Rating> test = [new(1, 4, 5, 30)];
        var set = new EvaluationSet("t", Protocol.General, new Split(train, valid, test), new Dictionary<int, int[]> { [5] = [0] });

        var excluded = new bool[set.ItemCount];
        set.MarkExcluded(0, Stage.Valid, excluded);
        Assert.Equal([1, 2], Excluded(set, excluded));
        set.MarkExcluded(0, Stage.Test, excluded);
        Assert.Equal([1, 2, 3], Excluded(set, excluded));
        Assert.Equal([1, 2], set.History(0, Stage.Test).Items.Select(i => set.ItemIds[i]));
        Assert.Equal([3], set.Targets(0, Stage.Valid).Select(i => set.ItemIds[i]));
        Assert.Equal(5, set.ItemCount); // the catalogue includes item 5, which nobody rated
    }

    [Fact]
    public void Sequential_protocol_shows_train_then_valid_as_history_for_test()
    {
        List<Rating> train = [new(1, 1, 5, 10), new(1, 2, 5, 20)];
        List<Rating> valid = [new(1, 3, 5, 30)];
        List<Rating> test = [new(1, 4, 5, 40)];
        var set = new EvaluationSet("t", Protocol.Sequential, new Split(train, valid, test));

        Assert.Equal([1, 2], set.History(0, Stage.Valid).Items.Select(i => set.ItemIds[i]));
        Assert.Equal([1, 2, 3], set.History(0, Stage.Test).Items.Select(i => set.ItemIds[i]));
        var excluded = new bool[set.ItemCount];
        set.MarkExcluded(0, Stage.Test, excluded);
        Assert.Equal([1, 2, 3], Excluded(set, excluded)); // the models' seen filter: exactly the history
    }

    private static int[] Excluded(EvaluationSet set, bool[] excluded) =>
        [.. Enumerable.Range(0, set.ItemCount).Where(i => excluded[i]).Select(i => set.ItemIds[i])];
}
