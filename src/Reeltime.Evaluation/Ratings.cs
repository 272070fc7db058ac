using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Reeltime.Evaluation;

/// <summary>One line of a ratings file, with the data set's original ids. Every rating counts as a watch.</summary>
/// <param name="User">Original user id.</param>
/// <param name="Item">Original item id.</param>
/// <param name="Value">The rating (kept so that split files round-trip; not used as a label).</param>
/// <param name="Time">Unix seconds.</param>
public readonly record struct Rating(int User, int Item, int Value, long Time);

/// <summary>
/// Ids that are not plain non-negative integers (Amazon's ASINs, hashed ids, RecBole tokens), interned as
/// negative integers in order of first appearance, so that integer ids keep their own values and a split
/// written back carries the original tokens. One table serves every file of a data set.
/// </summary>
public sealed class IdTokens
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _tokens = [];

    /// <summary>Whether any id so far was not a plain integer.</summary>
    public bool Any => _tokens.Count > 0;

    /// <summary>The id of <paramref name="token"/>: its value when it is a plain integer, else its interned negative id.</summary>
    public int Parse(ReadOnlySpan<char> token)
    {
        // Only the canonical spelling counts as a number: "0001713353" (an ISBN-like ASIN) must come back as written.
        if (token.Length > 0 && (token.Length == 1 || token[0] != '0') && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }

        var key = token.ToString();
        if (!_ids.TryGetValue(key, out id))
        {
            _tokens.Add(key);
            id = -_tokens.Count;
            _ids.Add(key, id);
        }

        return id;
    }

    /// <summary>The original text of <paramref name="id"/>.</summary>
    public string Format(int id) => id >= 0 ? id.ToString(CultureInfo.InvariantCulture) : _tokens[-id - 1];
}

/// <summary>
/// Readers and writers of ratings files and of split files (<c>user \t item \t rating \t time</c>). Besides
/// MovieLens 100K's <c>u.data</c> the reader takes the common layouts of other public data sets:
/// MovieLens 1M/10M's <c>::</c>, the comma-separated <c>ratings.csv</c> of the later MovieLens releases and
/// of Amazon's review dumps, RecBole's <c>.inter</c> files with typed headers, and whitespace.
/// </summary>
public static class RatingFiles
{
    /// <summary>The file names <see cref="FindRatings"/> looks for in a data set's folder, in order.</summary>
    public static readonly string[] RatingsFileNames = ["u.data", "ratings.dat", "ratings.csv", "ratings.tsv", "ratings.txt"];

    /// <summary>The ratings file of a data set: <paramref name="path"/> itself when it is a file, else the first known name in it (or its only <c>.inter</c>, <c>.json</c> or <c>.jsonl</c> file).</summary>
    public static string? FindRatings(string path)
    {
        if (File.Exists(path))
        {
            return path;
        }

        if (!Directory.Exists(path))
        {
            return null;
        }

        foreach (var name in RatingsFileNames)
        {
            if (File.Exists(Path.Combine(path, name)))
            {
                return Path.Combine(path, name);
            }
        }

        // Else the folder's only file of interactions: RecBole's .inter, or reviews as JSON lines.
        foreach (var pattern in (string[])["*.inter", "*.json", "*.jsonl"])
        {
            if (Directory.GetFiles(path, pattern) is [var only])
            {
                return only;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads a ratings file in file order. The separator (tab, <c>::</c>, comma, semicolon or whitespace) is
    /// taken from the first line. A first line whose rating or time is not a number is a header: when it names
    /// its columns (user, item or movie, rating, time or timestamp, with or without RecBole's <c>:type</c>)
    /// those columns are read; otherwise the columns are user, item, rating, time, except that a file of two
    /// columns is user, item and one of three is user, item, then time if the first line's third value reads
    /// as a unix time after 1973 and rating otherwise. Without a rating every line counts as one engagement;
    /// without a time (many public sets have none) each line's place in the file stands in for it, one second
    /// apart, so that "in time order" means "in file order", and <paramref name="notice"/> says so. A file of
    /// JSON objects, one a line (Amazon's and Yelp's reviews), is read by the names of its fields in the same
    /// way. A time may be unix seconds or a date ("2016-03-09 20:11:00", read as UTC).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="tokens">Where ids that are not plain integers are interned; share one table over the files of a data set.</param>
    /// <param name="columns">
    /// The columns of a file without a header, by name (<c>user</c>, <c>item</c>, <c>rating</c>, <c>time</c>;
    /// anything else is skipped), e.g. <c>item,user,rating,time</c> for Amazon's "ratings only" files. A header
    /// in the file takes precedence.
    /// </param>
    /// <param name="notice">Told, once, when the file has no time column.</param>
    public static List<Rating> Read(string path, IdTokens? tokens = null, string? columns = null, Action<string>? notice = null)
    {
        tokens ??= new IdTokens();
        var ratings = new List<Rating>();
        var lineNumber = 0;
        string? separator = null;
        int userColumn = 0, itemColumn = 1, ratingColumn = 2, timeColumn = 3;
        var expected = DefaultColumns;
        if (columns is not null)
        {
            var names = columns.Split(',', StringSplitOptions.TrimEntries).Select(c => c.ToUpperInvariant()).ToArray();
            (userColumn, itemColumn, ratingColumn, timeColumn) =
                (Array.IndexOf(names, "USER"), Array.IndexOf(names, "ITEM"), Array.IndexOf(names, "RATING"), Array.IndexOf(names, "TIME"));
            if (userColumn < 0 || itemColumn < 0)
            {
                throw new ArgumentException($"The columns '{columns}' must name user and item (rating and time are optional).");
            }

            expected = $"'{columns}'";
        }

        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line[0] == '#'))
            {
                continue;
            }

            if (separator is null && line.TrimStart().StartsWith('{'))
            {
                return ReadJsonLines(path, tokens, notice);
            }

            separator ??= Separator(line);
            var f = Fields(line, separator);
            if (ratings.Count == 0 && columns is null && expected == DefaultColumns && Columns(f) is null && Narrow(f) is { } narrow)
            {
                (ratingColumn, timeColumn, expected) = narrow;
            }

            if (lineNumber == 1 && IsHeader(f, timeColumn))
            {
                continue;
            }

            if (lineNumber == 1 && Columns(f) is { } named)
            {
                (userColumn, itemColumn, ratingColumn, timeColumn) = named;
                expected = "the columns of its header";
                continue;
            }

            var width = Math.Max(Math.Max(userColumn, itemColumn), Math.Max(ratingColumn, timeColumn)) + 1;
            double value = 1;
            long time = ratings.Count + 1;
            if (f.Length < width
                || f[userColumn].Length == 0
                || f[itemColumn].Length == 0
                || (ratingColumn >= 0 && !double.TryParse(f[ratingColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                || (timeColumn >= 0 && !TryParseTime(f[timeColumn], out time)))
            {
                throw new InvalidDataException($"{Path.GetFileName(path)} line {lineNumber}: expected {expected}, separated by {Describe(separator)}{(ratingColumn, timeColumn) switch
                {
                    ( >= 0, >= 0) => ", with a numeric rating and a unix time",
                    ( >= 0, _) => ", with a numeric rating",
                    (_, >= 0) => ", with a unix time",
                    _ => "",
                }}.");
            }

            if (timeColumn < 0 && ratings.Count == 0)
            {
                notice?.Invoke($"{Path.GetFileName(path)} has no time column: each line's place in the file stands in for its time.");
            }

            ratings.Add(new Rating(tokens.Parse(f[userColumn]), tokens.Parse(f[itemColumn]), (int)Math.Round(value), time));
        }

        return ratings;
    }

    private const string DefaultColumns = "'user, item, rating, time'";

    // One JSON object a line, its fields found by name as a header's columns are (user_id / reviewerID,
    // business_id / asin, stars / overall, date / unixReviewTime); other fields, such as the review's text, are skipped.
    private static List<Rating> ReadJsonLines(string path, IdTokens tokens, Action<string>? notice)
    {
        var ratings = new List<Rating>();
        var lineNumber = 0;
        string[]? names = null;
        (int User, int Item, int Rating, int Time) at = default;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string Problem(string what) => $"{Path.GetFileName(path)} line {lineNumber}: {what}";
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                throw new InvalidDataException(Problem("expected one JSON object a line."));
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException(Problem("expected one JSON object a line."));
                }

                if (names is null)
                {
                    names = [.. document.RootElement.EnumerateObject().Select(p => p.Name)];
                    at = Columns(names) ?? throw new InvalidDataException(Problem($"no field names the user and the item (its fields: {string.Join(", ", names.Take(12))})."));
                    if (at.Time < 0)
                    {
                        notice?.Invoke($"{Path.GetFileName(path)} has no time field: each line's place in the file stands in for its time.");
                    }
                }

                string? Field(int index) =>
                    index >= 0 && document.RootElement.TryGetProperty(names[index], out var value)
                        ? value.ValueKind switch
                        {
                            JsonValueKind.String => value.GetString(),
                            JsonValueKind.Number => value.GetRawText(),
                            _ => null,
                        }
                        : null;

                var user = Field(at.User);
                var item = Field(at.Item);
                double stars = 1;
                long time = ratings.Count + 1;
                if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(item)
                    || (at.Rating >= 0 && !double.TryParse(Field(at.Rating), NumberStyles.Float, CultureInfo.InvariantCulture, out stars))
                    || (at.Time >= 0 && !TryParseTime(Field(at.Time) ?? "", out time)))
                {
                    throw new InvalidDataException(Problem($"expected the fields {string.Join(", ", new[] { at.User, at.Item, at.Rating, at.Time }.Where(i => i >= 0).Select(i => names[i]))}, with a numeric rating and a unix time or date."));
                }

                ratings.Add(new Rating(tokens.Parse(user), tokens.Parse(item), (int)Math.Round(stars), time));
            }
        }

        return ratings;
    }

    // A file without a header of fewer than four columns: user, item, and a rating or a time.
    private static (int Rating, int Time, string Expected)? Narrow(string[] f) => f.Length switch
    {
        2 => (-1, -1, "'user, item'"),
        3 when TryParseTime(f[2], out var third) && third >= 100_000_000 => (-1, 2, "'user, item, time'"),
        3 => (2, -1, "'user, item, rating'"),
        _ => null,
    };

    private static string Separator(string line) =>
        line.Contains('\t', StringComparison.Ordinal) ? "\t"
        : line.Contains("::", StringComparison.Ordinal) ? "::"
        : line.Contains(',', StringComparison.Ordinal) ? ","
        : line.Contains(';', StringComparison.Ordinal) ? ";"
        : " ";

    private static string Describe(string separator) => separator switch
    {
        "\t" => "tabs",
        " " => "spaces",
        _ => $"'{separator}'",
    };

    private static string[] Fields(string line, string separator) =>
        separator == " "
            ? line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            : [.. line.Split(separator).Select(f => f.Trim().Trim('"'))];

    /// <summary>
    /// A first line of names only (no field is a number) that do not name the columns: skipped. A first line
    /// that names them is read by <see cref="Columns"/>; one with numbers in it is data, and an error if malformed.
    /// </summary>
    private static bool IsHeader(string[] f, int timeColumn) =>
        Columns(f) is null
        && (timeColumn < 0 || f.Length <= timeColumn || !TryParseTime(f[timeColumn], out _))
        && f.All(x => !double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out _));

    /// <summary>Finds the columns in a header (time and rating may be missing, as -1), or <c>null</c> when it does not name user and item.</summary>
    private static (int User, int Item, int Rating, int Time)? Columns(string[] header)
    {
        var names = header.Select(h => h.Split(':')[0].Trim().ToUpperInvariant()).ToArray();
        int Find(params string[] candidates) => Array.FindIndex(names, n => candidates.Any(c => n == c || n.StartsWith(c + "_", StringComparison.Ordinal) || n.EndsWith("_" + c, StringComparison.Ordinal) || n.EndsWith(c + "ID", StringComparison.Ordinal)));
        var user = Find("USER", "REVIEWER", "REVIEWERID");
        var item = Find("ITEM", "MOVIE", "PRODUCT", "BUSINESS", "ASIN");
        var rating = Find("RATING", "SCORE", "STARS", "OVERALL");
        var time = Find("TIMESTAMP", "TIME", "UNIXREVIEWTIME", "DATE");
        if (user < 0 || item < 0)
        {
            return null;
        }

        return (user, item, rating, time);
    }

    /// <summary>Unix seconds as an integer or a float (RecBole writes <c>874965758.0</c>), or a date with dashes.</summary>
    private static bool TryParseTime(string text, out long time)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out time))
        {
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
        {
            time = (long)seconds;
            return true;
        }

        // A date, as Yelp and many exports write it; only with a dash, so that a stray word is not a time.
        if (text.Contains('-', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var date))
        {
            time = date.ToUnixTimeSeconds();
            return true;
        }

        return false;
    }

    /// <summary>Writes ratings in the split-file format, with the original tokens of interned ids.</summary>
    public static void Write(string path, IEnumerable<Rating> ratings, IdTokens? tokens = null)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        foreach (var r in ratings)
        {
            var user = tokens?.Format(r.User) ?? r.User.ToString(CultureInfo.InvariantCulture);
            var item = tokens?.Format(r.Item) ?? r.Item.ToString(CultureInfo.InvariantCulture);
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{user}\t{item}\t{r.Value}\t{r.Time}\n"));
        }
    }

    /// <summary>The item files <see cref="FindItemTags"/> looks for beside a data set's ratings, in order.</summary>
    public static readonly string[] ItemFileNames = ["u.item", "movies.dat", "movies.csv"];

    /// <summary>The items file (with genres) in <paramref name="directory"/>, if it has one.</summary>
    public static string? FindItemTags(string directory) =>
        ItemFileNames.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);

    /// <summary>
    /// Reads items' genres as tag indices per item id, from MovieLens 100K's <c>u.item</c>
    /// (<c>id|title|release|video release|url|19 genre flags</c>, Latin-1), MovieLens 1M/10M's
    /// <c>movies.dat</c> (<c>id::title::Genre|Genre</c>) or the later releases' <c>movies.csv</c>
    /// (<c>movieId,title,genres</c>, titles quoted when they hold commas). Named genres get indices in
    /// alphabetical order; "(no genres listed)" is no genre.
    /// </summary>
    public static Dictionary<int, int[]> ReadItemTags(string path, IdTokens? tokens = null)
    {
        tokens ??= new IdTokens();
        var lines = File.ReadLines(path, Encoding.Latin1).Where(l => l.Length > 0).ToList();
        var genres = new Dictionary<int, int[]>();
        if (lines.Count > 0 && !lines[0].Contains("::", StringComparison.Ordinal) && lines[0].Count(c => c == '|') >= 5)
        {
            foreach (var line in lines)
            {
                var f = line.Split('|');
                if (f.Length < 6 || !int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
                {
                    continue;
                }

                var flags = f[5..];
                genres[id] = [.. Enumerable.Range(0, flags.Length).Where(g => flags[g] == "1")];
            }

            return genres;
        }

        // id, title, genres: the id before the first separator, the genres after the last.
        var named = new List<(int Id, string[] Names)>();
        foreach (var line in lines)
        {
            var dat = line.Contains("::", StringComparison.Ordinal);
            var first = dat ? line.IndexOf("::", StringComparison.Ordinal) : line.IndexOf(',', StringComparison.Ordinal);
            var last = dat ? line.LastIndexOf("::", StringComparison.Ordinal) + 2 : line.LastIndexOf(',') + 1;
            if (first <= 0 || last <= first)
            {
                continue;
            }

            var idText = line[..first].Trim().Trim('"');
            if (idText.Length == 0 || (named.Count == 0 && idText.Equals("movieId", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var names = line[last..].Trim().Trim('"').Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(n => !n.StartsWith('(')).ToArray();
            named.Add((tokens.Parse(idText), names));
        }

        var index = named.SelectMany(n => n.Names).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        foreach (var (id, names) in named)
        {
            genres[id] = [.. names.Select(n => index[n]).Distinct().Order()];
        }

        return genres;
    }

    /// <summary>
    /// Whether every rating of <paramref name="split"/> is one of <paramref name="ratings"/> (same user, item
    /// and time): the split was drawn from that data set, so its items file describes the split's items.
    /// </summary>
    public static bool IsDrawnFrom(Split split, IEnumerable<Rating> ratings)
    {
        ArgumentNullException.ThrowIfNull(split);
        var known = ratings.Select(r => (r.User, r.Item, r.Time)).ToHashSet();
        return split.Train.Concat(split.Valid).Concat(split.Test).All(r => known.Contains((r.User, r.Item, r.Time)));
    }
}
