using System.Text;
using Microsoft.EntityFrameworkCore;
using Reeltime.Platform.Storage;
using Reeltime.Platform.Videos;

namespace Reeltime.Platform.Search;

/// <summary>A user found by search.</summary>
public sealed record UserHit(long Id, string Username, string? DisplayName, int FollowerCount);

/// <summary>A hashtag found by search.</summary>
public sealed record HashtagHit(string Name, int VideoCount);

/// <summary>
/// Full-text matching of captions. SQLite uses an FTS5 table kept by triggers; PostgreSQL a generated
/// tsvector column with a GIN index. Both take the same terms and return ids ranked best first.
/// </summary>
public interface ICaptionIndex
{
    /// <summary>Ids of videos whose caption holds every term, the last as a prefix, ranked best first.</summary>
    Task<List<long>> MatchAsync(IReadOnlyList<string> terms, int limit, CancellationToken cancellationToken);
}

/// <summary>Search for videos (captions and hashtags), users and hashtags, with prefix matching for type-ahead.</summary>
public sealed class SearchService(PlatformDbContext db, ICaptionIndex captions)
{
    /// <summary>The longest query accepted.</summary>
    public const int MaxQueryLength = 100;

    /// <summary>
    /// How deep search pages go: relevance past the first few hundred results means little, and every deeper
    /// page costs the index more work.
    /// </summary>
    public const int MaxDepth = 500;

    /// <summary>Splits a query into lower-case terms of letters and digits; at most 8.</summary>
    public static List<string> Terms(string query)
    {
        var terms = new List<string>();
        var current = new StringBuilder();
        foreach (var c in query.Normalize(NormalizationForm.FormC))
        {
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                terms.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            terms.Add(current.ToString());
        }

        return [.. terms.Distinct(StringComparer.Ordinal).Take(8)];
    }

    /// <summary>
    /// Videos whose caption matches, best first, that <paramref name="viewerId"/> may see; <paramref name="skip"/>
    /// ranks are passed over (a search page's cursor is its rank).
    /// </summary>
    public async Task<IReadOnlyList<VideoView>> VideosAsync(long viewerId, string query, int skip, int count, CancellationToken cancellationToken)
    {
        var terms = Terms(query);
        if (terms.Count == 0)
        {
            return [];
        }

        // Rank in the index, then keep what the viewer may see, in rank order.
        var ranked = await captions.MatchAsync(terms, Math.Max((skip + count) * 4, 100), cancellationToken);
        var visible = await db.Videos.Where(v => ranked.Contains(v.Id)).VisibleTo(db, viewerId).Select(v => v.Id).ToListAsync(cancellationToken);
        var visibleSet = visible.ToHashSet();
        var page = ranked.Where(visibleSet.Contains).Skip(skip).Take(count).ToList();
        return await VideoViews.LoadAsync(db, viewerId, db.Videos.Where(v => page.Contains(v.Id)), cancellationToken, page);
    }

    /// <summary>
    /// Users whose username or display name holds the query anywhere: the exact username first, then usernames
    /// that start with it, then by followers; none blocked either way.
    /// </summary>
    /// <remarks>
    /// A scan of the users table (no index serves a match inside a name); at the scale of one machine that is
    /// milliseconds. A cluster's search room would keep a trigram index instead.
    /// </remarks>
    public async Task<IReadOnlyList<UserHit>> UsersAsync(long viewerId, string query, int skip, int count, CancellationToken cancellationToken)
    {
        var part = UsernamePrefix(query);
        var words = query.Trim().TrimStart('@');
        words = words[..Math.Min(words.Length, 64)].ToLowerInvariant();
        if (part.Length == 0 && words.Length == 0)
        {
            return [];
        }

        var users = db.Users.AsNoTracking();
#pragma warning disable CA1304, CA1311, CA1862 // translated to SQL (lower() and a substring test): no .NET culture is involved
        users = part.Length == 0
            ? users.Where(u => u.DisplayName != null && u.DisplayName.ToLower().Contains(words))
            : users.Where(u => u.NormalizedUsername.Contains(part) || (u.DisplayName != null && u.DisplayName.ToLower().Contains(words)));
#pragma warning restore CA1304, CA1311, CA1862
        return await users
            .NotBlockedWith(db, viewerId)
            .OrderByDescending(u => u.NormalizedUsername == part).ThenByDescending(u => u.NormalizedUsername.StartsWith(part))
            .ThenByDescending(u => u.FollowerCount).ThenBy(u => u.NormalizedUsername)
            .Skip(skip).Take(count)
            .Select(u => new UserHit(u.Id, u.Username, u.DisplayName, u.FollowerCount))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Hashtags that start with the query's first word: the exact tag first, then by how many videos visitors may watch.</summary>
    public async Task<IReadOnlyList<HashtagHit>> HashtagsAsync(string query, int skip, int count, CancellationToken cancellationToken)
    {
        var terms = Terms(query);
        if (terms.Count == 0)
        {
            return [];
        }

        // Counted over the videos any visitor may watch, at query time: the stored totals include private and
        // followers-only videos, so ranking or even listing by them would reveal tags used only in private.
        var prefix = terms[0];
        var publicVideos = db.Videos.VisibleTo(db, 0).Select(v => v.Id);
        return await db.Hashtags.AsNoTracking()
            .Where(h => h.Name.StartsWith(prefix))
            .Join(db.VideoHashtags.Where(l => publicVideos.Contains(l.VideoId)), h => h.Id, l => l.HashtagId, (h, l) => h.Name)
            .GroupBy(name => name)
            .Select(g => new { Name = g.Key, Count = g.Count() })
            .OrderByDescending(g => g.Name == prefix).ThenByDescending(g => g.Count).ThenBy(g => g.Name)
            .Skip(skip).Take(count)
            .Select(g => new HashtagHit(g.Name, g.Count))
            .ToListAsync(cancellationToken);
    }

    private static string UsernamePrefix(string query)
    {
        var q = query.Trim().TrimStart('@');
        var end = 0;
        while (end < q.Length && end < Accounts.UsernameRules.MaxLength && (char.IsAsciiLetterOrDigit(q[end]) || q[end] is '_' or '.'))
        {
            end++;
        }

        return Accounts.UsernameRules.Normalize(q[..end]);
    }
}

/// <summary>Caption search on SQLite FTS5 (the VideoSearch table, created by the migration).</summary>
internal sealed class SqliteCaptionIndex(PlatformDbContext db) : ICaptionIndex
{
    public async Task<List<long>> MatchAsync(IReadOnlyList<string> terms, int limit, CancellationToken cancellationToken)
    {
        // Terms hold only letters, digits and '_', each quoted: the user cannot inject FTS5 syntax.
        var match = string.Join(' ', terms.Select((t, i) => i == terms.Count - 1 ? $"\"{t}\"*" : $"\"{t}\""));
        return await db.Database.SqlQuery<long>(
            $"""SELECT rowid AS "Value" FROM "VideoSearch" WHERE "VideoSearch" MATCH {match} ORDER BY bm25("VideoSearch") LIMIT {limit}""")
            .ToListAsync(cancellationToken);
    }
}

/// <summary>Caption search on PostgreSQL full-text (the SearchVector column, created by the migration).</summary>
internal sealed class PostgresCaptionIndex(PlatformDbContext db) : ICaptionIndex
{
    public async Task<List<long>> MatchAsync(IReadOnlyList<string> terms, int limit, CancellationToken cancellationToken)
    {
        var tsquery = string.Join(" & ", terms.Select((t, i) => i == terms.Count - 1 ? $"{t}:*" : t));
        return await db.Database.SqlQuery<long>(
            $"""SELECT "Id" AS "Value" FROM "Videos" WHERE "SearchVector" @@ to_tsquery('simple', {tsquery}) ORDER BY ts_rank("SearchVector", to_tsquery('simple', {tsquery})) DESC, "Id" DESC LIMIT {limit}""")
            .ToListAsync(cancellationToken);
    }
}
