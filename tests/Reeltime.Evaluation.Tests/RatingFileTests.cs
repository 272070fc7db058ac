namespace Reeltime.Evaluation.Tests;

/// <summary>The layouts of other public data sets than MovieLens 100K, each read from a real file.</summary>
public sealed class RatingFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("reeltime-ratings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void MovieLens_1M_double_colons_are_read()
    {
        var path = Write("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1357::5::978298709\n");

        var ratings = RatingFiles.Read(path);

        Assert.Equal([new Rating(1, 1193, 5, 978300760), new Rating(1, 661, 3, 978302109), new Rating(2, 1357, 5, 978298709)], ratings);
    }

    [Fact]
    public void Later_MovieLens_csv_with_a_header_and_half_stars_is_read()
    {
        var path = Write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,3.5,964981247\n");

        var ratings = RatingFiles.Read(path);

        Assert.Equal([new Rating(1, 1, 4, 964982703), new Rating(1, 3, 4, 964981247)], ratings);
    }

    [Fact]
    public void RecBole_inter_header_names_the_columns_in_any_order_with_float_times()
    {
        var path = Write("amazon.inter", "item_id:token\tuser_id:token\ttimestamp:float\trating:float\nB000A\tA2SUAM\t1356566400.0\t5.0\nB000B\tA2SUAM\t1356652800.0\t3.0\n");
        var tokens = new IdTokens();

        var ratings = RatingFiles.Read(path, tokens);

        Assert.Equal(2, ratings.Count);
        Assert.Equal("A2SUAM", tokens.Format(ratings[0].User));
        Assert.Equal(ratings[0].User, ratings[1].User);
        Assert.Equal("B000A", tokens.Format(ratings[0].Item));
        Assert.Equal("B000B", tokens.Format(ratings[1].Item));
        Assert.Equal(1356566400, ratings[0].Time);
        Assert.Equal(3, ratings[1].Value);
    }

    [Fact]
    public void An_implicit_file_without_ratings_counts_each_line_once()
    {
        var path = Write("checkins.csv", "user,item,time\nu1,v9,100\nu1,v8,200\n");

        var ratings = RatingFiles.Read(path);

        Assert.Equal([1, 1], ratings.Select(r => r.Value));
        Assert.Equal([100L, 200L], ratings.Select(r => r.Time));
    }

    [Fact]
    public void A_file_without_times_keeps_its_order_as_time_and_says_so()
    {
        // Like hetrec's Last.fm listening counts or Book-Crossing: a header, but no time column.
        var named = Write("plays.inter", "user_id:token\titem_id:token\trating:float\nu1\ta7\t4\nu2\ta3\t2\nu1\ta5\t5\n");
        List<string> notices = [];
        var tokens = new IdTokens();

        var ratings = RatingFiles.Read(named, tokens, notice: notices.Add);

        Assert.Equal(["a7", "a3", "a5"], ratings.Select(r => tokens.Format(r.Item)));
        Assert.Equal([1L, 2L, 3L], ratings.Select(r => r.Time));
        Assert.Equal([4, 2, 5], ratings.Select(r => r.Value));
        Assert.Equal("plays.inter has no time column: each line's place in the file stands in for its time.", Assert.Single(notices));

        // Without a header: two columns are user and item; a third is a time when it reads as one, else a rating.
        Assert.Equal([new Rating(1, 2, 1, 1), new Rating(1, 3, 1, 2)], RatingFiles.Read(Write("pairs.txt", "1 2\n1 3\n")));
        Assert.Equal([new Rating(1, 2, 5, 1), new Rating(2, 3, 1, 2)], RatingFiles.Read(Write("stars.txt", "1 2 5\n2 3 1\n")));
        Assert.Equal([new Rating(1, 2, 1, 978300760), new Rating(2, 3, 1, 978300761)], RatingFiles.Read(Write("when.txt", "1 2 978300760\n2 3 978300761\n")));
        Assert.Equal([new Rating(7, 9, 1, 1)], RatingFiles.Read(Write("named.csv", "9,7,x\n"), columns: "item,user"));

        var error = Assert.Throws<InvalidDataException>(() => RatingFiles.Read(Write("short.txt", "1 2\n3\n")));
        Assert.Equal("short.txt line 2: expected 'user, item', separated by spaces.", error.Message);
    }

    [Fact]
    public void Reviews_as_JSON_lines_are_read_by_their_field_names()
    {
        // Amazon's review files (2014/2018) and Yelp's, shortened: the review's text and votes are skipped.
        var amazon = Write("Beauty_5.json",
            "{\"reviewerID\": \"A1YJEY40YUW4SE\", \"asin\": \"7806397051\", \"reviewerName\": \"Andrea\", \"helpful\": [3, 4], \"reviewText\": \"Very oily, {not} good\", \"overall\": 1.0, \"unixReviewTime\": 1391040000, \"reviewTime\": \"01 30, 2014\"}\n" +
            "{\"reviewerID\": \"A60XNB876KYML\", \"asin\": \"7806397051\", \"overall\": 3.0, \"unixReviewTime\": 1397779200, \"reviewTime\": \"04 18, 2014\"}\n");
        var yelp = Write("review.json",
            "{\"review_id\":\"KU_O5udG6zpxOg-VcAEodg\",\"user_id\":\"mh_-eMZ6K5RLWhZyISBhwA\",\"business_id\":\"XQfwVwDr-v0ZS3_CbbE5Xw\",\"stars\":3.0,\"useful\":0,\"text\":\"fine\",\"date\":\"2018-07-07 22:09:11\"}\n");
        var tokens = new IdTokens();

        var reviews = RatingFiles.Read(amazon, tokens);
        var visits = RatingFiles.Read(yelp, tokens);

        Assert.Equal(["A1YJEY40YUW4SE", "A60XNB876KYML"], reviews.Select(r => tokens.Format(r.User)));
        Assert.Equal(["7806397051", "7806397051"], reviews.Select(r => tokens.Format(r.Item)));
        Assert.Equal([(1, 1391040000L), (3, 1397779200L)], reviews.Select(r => (r.Value, r.Time)));
        var visit = Assert.Single(visits);
        Assert.Equal(("mh_-eMZ6K5RLWhZyISBhwA", "XQfwVwDr-v0ZS3_CbbE5Xw", 3), (tokens.Format(visit.User), tokens.Format(visit.Item), visit.Value));
        Assert.Equal(new DateTimeOffset(2018, 7, 7, 22, 9, 11, TimeSpan.Zero).ToUnixTimeSeconds(), visit.Time);

        var folder = Directory.CreateDirectory(Path.Combine(_directory, "beauty")).FullName;
        File.Copy(amazon, Path.Combine(folder, "Beauty_5.json"));
        Assert.Equal(Path.Combine(folder, "Beauty_5.json"), RatingFiles.FindRatings(folder));

        var broken = Write("broken.json", "{\"user_id\": \"u\", \"business_id\": \"b\", \"stars\": 4, \"date\": \"2018-07-07\"}\n{\"user_id\": \"u\", \"business_id\": \"b\", \"stars\": \"four\"\n");
        Assert.Equal("broken.json line 2: expected one JSON object a line.", Assert.Throws<InvalidDataException>(() => RatingFiles.Read(broken)).Message);
    }

    [Fact]
    public void Columns_can_be_named_for_a_file_without_a_header()
    {
        // Amazon's "ratings only" files: item, user, rating, time.
        var path = Write("Books.csv", "0001713353,A1C6M8LCIX4M6M,5.0,1123804800\n0001713353,A1REUF3A1YCPHM,5.0,1112140800\n");

        var tokens = new IdTokens();
        var ratings = RatingFiles.Read(path, tokens, "item,user,rating,time");

        Assert.Equal(["A1C6M8LCIX4M6M", "A1REUF3A1YCPHM"], ratings.Select(r => tokens.Format(r.User)));
        Assert.Equal(["0001713353", "0001713353"], ratings.Select(r => tokens.Format(r.Item)));
        Assert.Equal(1112140800, ratings[1].Time);
        Assert.Throws<ArgumentException>(() => RatingFiles.Read(path, tokens, "item,rating,time"));
    }

    [Fact]
    public void Token_ids_survive_a_split_written_and_read_back()
    {
        var random = new Random(5);
        var text = string.Concat(Enumerable.Range(0, 30).SelectMany(u => Enumerable.Range(0, 20).Select(i =>
            $"user-{u},item-{(u + i) % 37},{1 + random.Next(5)},{1000 + (u * 100) + i}\n")));
        var tokens = new IdTokens();
        var ratings = RatingFiles.Read(Write("ratings.csv", text), tokens);

        var split = Split.Make(ratings, Protocol.General, 2020, tokens);
        var folder = Path.Combine(_directory, "split");
        split.Write(folder);
        var again = Split.Read(folder);

        Assert.StartsWith("user-", File.ReadLines(Path.Combine(folder, "train.tsv")).First(), StringComparison.Ordinal);
        Assert.Equal(
            split.Test.Select(r => (split.Tokens!.Format(r.User), split.Tokens.Format(r.Item), r.Time)),
            again.Test.Select(r => (again.Tokens!.Format(r.User), again.Tokens.Format(r.Item), r.Time)));
        Assert.Equal(30 * 2, again.Test.Count);
    }

    [Fact]
    public void A_malformed_line_names_the_file_and_line()
    {
        var path = Write("ratings.dat", "1::1193::5::978300760\n1::661::three::978302109\n");

        var error = Assert.Throws<InvalidDataException>(() => RatingFiles.Read(path));

        Assert.Contains("ratings.dat line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("'::'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_first_line_is_an_error_not_a_header()
    {
        var path = Write("ratings.dat", "1::1193::five::978300760\n1::661::3::978302109\n");
        var unnamed = Write("plain.tsv", "a\tb\tc\td\n1\t2\t3\t4\n");

        var error = Assert.Throws<InvalidDataException>(() => RatingFiles.Read(path));

        Assert.Contains("ratings.dat line 1", error.Message, StringComparison.Ordinal);
        Assert.Equal([new Rating(1, 2, 3, 4)], RatingFiles.Read(unnamed));
    }

    [Fact]
    public void Genres_are_read_from_movies_dat_and_movies_csv_with_quoted_titles()
    {
        var dat = Write("movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n2::Jumanji (1995)::Adventure|Children's|Fantasy\n");
        var csv = Write("movies.csv", "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n11,\"American President, The (1995)\",Comedy|Drama|Romance\n12,Nothing (2001),(no genres listed)\n");

        var fromDat = RatingFiles.ReadItemTags(dat);
        var fromCsv = RatingFiles.ReadItemTags(csv);

        // Alphabetical: Adventure 0, Animation 1, Children's 2, Comedy 3, Fantasy 4.
        Assert.Equal([1, 2, 3], fromDat[1]);
        Assert.Equal([0, 2, 4], fromDat[2]);
        // Adventure 0, Animation 1, Comedy 2, Drama 3, Romance 4.
        Assert.Equal([2, 3, 4], fromCsv[11]);
        Assert.Empty(fromCsv[12]);
        Assert.Equal(3, fromCsv.Count);
    }

    [Fact]
    public void A_split_of_another_data_set_is_not_taken_for_one_drawn_from_it()
    {
        List<Rating> data = [new(1, 10, 5, 100), new(1, 11, 4, 200), new(2, 10, 3, 300)];
        var drawn = new Split([data[0]], [data[1]], [data[2]]);
        var other = new Split([data[0]], [data[1]], [new Rating(2, 10, 3, 301)]);

        Assert.True(RatingFiles.IsDrawnFrom(drawn, data));
        Assert.False(RatingFiles.IsDrawnFrom(other, data));
    }
}
