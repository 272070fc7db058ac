using System.Globalization;
using System.Text;

namespace Reeltime.Evaluation;

/// <summary>One line of a ratings file, with the data set's original ids. Every rating counts as a watch.</summary>
/// <param name="User">Original user id.</param>
/// <param name="Item">Original item id.</param>
/// <param name="Value">The rating (kept so that split files round-trip; not used as a label).</param>
/// <param name="Time">Unix seconds.</param>
public readonly record struct Rating(int User, int Item, int Value, long Time);

/// <summary>Readers and writers of the MovieLens 100K files and of split files (<c>user \t item \t rating \t time</c>).</summary>
public static class RatingFiles
{
    /// <summary>Reads a tab-separated ratings file (<c>u.data</c>, <c>train.tsv</c>, …) in file order.</summary>
    public static List<Rating> Read(string path)
    {
        var ratings = new List<Rating>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split('\t');
            if (f.Length < 4
                || !int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var user)
                || !int.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var item)
                || !double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                || !long.TryParse(f[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var time))
            {
                // A header line (as some tools write) is skipped; anything else malformed is an error.
                if (lineNumber == 1 && !char.IsDigit(line[0]))
                {
                    continue;
                }

                throw new InvalidDataException($"{path}:{lineNumber}: expected 'user \\t item \\t rating \\t time'.");
            }

            ratings.Add(new Rating(user, item, (int)Math.Round(value), time));
        }

        return ratings;
    }

    /// <summary>Writes ratings in the split-file format.</summary>
    public static void Write(string path, IEnumerable<Rating> ratings)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        foreach (var r in ratings)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{r.User}\t{r.Item}\t{r.Value}\t{r.Time}\n"));
        }
    }

    /// <summary>
    /// Reads the genres of <c>u.item</c> (<c>id|title|release|video release|url|19 genre flags</c>, Latin-1) as
    /// tag indices 0–18 per item id.
    /// </summary>
    public static Dictionary<int, int[]> ReadGenres(string path)
    {
        var genres = new Dictionary<int, int[]>();
        foreach (var line in File.ReadLines(path, Encoding.Latin1))
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
}
