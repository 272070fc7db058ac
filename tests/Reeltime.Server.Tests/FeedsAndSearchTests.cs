using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Reeltime.Server.Tests;

public sealed class FeedsAndSearchTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    [Fact]
    public async Task The_following_feed_is_reverse_chronological_and_pages_without_gaps_or_repeats()
    {
        var ana = await server.NewUserAsync("chrono");
        var ben = await server.NewUserAsync("chrono");
        var reader = await server.NewUserAsync("reader");
        var other = await server.NewUserAsync("unfollowed");
        await reader.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        await reader.Client.PostAsync($"/api/users/{ben.Username}/follow", null);
        var posted = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            posted.Add(await server.PostMetadataAsync(i % 2 == 0 ? ana : ben, $"post {i}"));
            await server.PostMetadataAsync(other, "not followed");
        }

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await reader.Client.GetJsonAsync($"/api/feed/following?count=3{(cursor is null ? "" : "&cursor=" + cursor)}");
            seen.AddRange(page.Ids());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        posted.Reverse();
        Assert.Equal(posted, seen);
    }

    [Fact]
    public async Task The_following_feed_shows_followers_only_videos_and_never_private_deleted_removed_or_unfinished_ones()
    {
        var ana = await server.NewUserAsync("shown");
        var reader = await server.NewUserAsync("reader");
        await reader.Client.PostAsync($"/api/users/{ana.Username}/follow", null);
        var open = await server.PostMetadataAsync(ana, "open");
        var friends = await server.PostMetadataAsync(ana, "friends", "followers");
        await server.PostMetadataAsync(ana, "mine", "private");
        var deleted = await server.PostMetadataAsync(ana, "deleted");
        Assert.Equal(HttpStatusCode.NoContent, (await ana.Client.DeleteAsync($"/api/videos/{deleted}")).StatusCode);
        var removed = await server.PostMetadataAsync(ana, "removed");
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Storage.PlatformDbContext>();
            await db.Videos.Where(v => v.Id == removed).ExecuteUpdateAsync(v => v.SetProperty(x => x.Moderation, Reeltime.Platform.Storage.ModerationState.Removed));
            var library = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Videos.VideoLibrary>();
            var unfinished = await library.CreateAsync(ana.Id, new Reeltime.Platform.Videos.NewVideo("processing", "public"), Reeltime.Platform.Storage.VideoStatus.Processing, null, CancellationToken.None);
            Assert.True(unfinished.Succeeded);
        }

        Assert.Equal([friends, open], (await reader.Client.GetJsonAsync("/api/feed/following")).Ids());

        // Unfollowing empties the feed at once.
        Assert.Equal(HttpStatusCode.NoContent, (await reader.Client.DeleteAsync($"/api/users/{ana.Username}/follow")).StatusCode);
        Assert.Empty((await reader.Client.GetJsonAsync("/api/feed/following")).Ids());
    }

    [Theory]
    [InlineData("/api/feed/for-you?count=0")]
    [InlineData("/api/feed/for-you?count=-5")]
    [InlineData("/api/feed/for-you?count=1000000")]
    [InlineData("/api/feed/for-you?count=abc")]
    [InlineData("/api/feed/for-you?cursor=not-a-cursor")]
    [InlineData("/api/feed/for-you?cursor=AAAAAAAAAAAAAAAAAAAAAA%27%20OR%201%3D1")]
    [InlineData("/api/hashtags/has%20space/videos")]
    [InlineData("/api/search?q=")]
    [InlineData("/api/search?q=cats&type=everything")]
    [InlineData("/api/trending?count=99999")]
    public async Task Absurd_paging_and_query_values_are_refused_with_problem_details(string url)
    {
        await (await server.Visitor().GetAsync(url)).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task For_you_serves_recent_public_videos_with_reasons_to_visitors_too()
    {
        var ana = await server.NewUserAsync("fy");
        var id = await ana.UploadAsync("for everyone #fyp");
        var page = await server.Visitor().GetJsonAsync("/api/feed/for-you?count=50");
        var item = page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("video").GetProperty("id").GetInt64() == id);
        var reason = item.GetProperty("reasons")[0];
        Assert.False(string.IsNullOrEmpty(reason.GetProperty("code").GetString()));
        Assert.False(string.IsNullOrEmpty(reason.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Hashtag_pages_and_trending_find_tagged_videos()
    {
        var ana = await server.NewUserAsync("tagger");
        var tag = "t" + Guid.NewGuid().ToString("N")[..10];
        var a = await ana.UploadAsync($"one #{tag}");
        var b = await ana.UploadAsync($"two #{tag.ToUpperInvariant()}");
        Assert.Equal([b, a], (await ana.Client.GetJsonAsync($"/api/hashtags/{tag}/videos")).Ids());
        Assert.Equal([b, a], (await ana.Client.GetJsonAsync($"/api/hashtags/%23{tag.ToUpperInvariant()}/videos")).Ids());
        await ana.Client.PostAsync($"/api/videos/{a}/like", null);
        var trending = await ana.Client.GetJsonAsync("/api/trending?count=100");
        Assert.Contains(trending.GetProperty("hashtags").EnumerateArray(), h => h.GetProperty("name").GetString() == tag);
        Assert.Contains(a, trending.Ids("videos"));
    }

    [Fact]
    public async Task Search_matches_captions_hashtags_and_users_by_prefix_ranked()
    {
        var marker = "zq" + Guid.NewGuid().ToString("N")[..6];
        var ana = await server.NewUserAsync(marker);
        var exact = await ana.UploadAsync($"Baking sourdough bread {marker}bread #{marker}baking");
        var other = await ana.UploadAsync($"Cycling in the rain #{marker}cycling");

        var videos = (await ana.Client.GetJsonAsync($"/api/search?q={marker}bre&type=videos")).Ids("videos");
        Assert.Equal([exact], videos);
        Assert.Equal([exact], (await ana.Client.GetJsonAsync("/api/search?q=sourdough%20bre&type=videos&count=50")).Ids("videos").Where(v => v == exact || v == other));
        var tags = await ana.Client.GetJsonAsync($"/api/search?q=%23{marker}&type=hashtags");
        Assert.Equal([$"{marker}baking", $"{marker}cycling"], tags.GetProperty("hashtags").EnumerateArray().Select(h => h.GetProperty("name").GetString()).Order());
        var users = await ana.Client.GetJsonAsync($"/api/search?q=@{marker.ToUpperInvariant()}&type=users");
        Assert.Equal(ana.Username, users.GetProperty("users")[0].GetProperty("username").GetString());
    }

    [Fact]
    public async Task Search_ranks_captions_by_relevance_users_by_name_then_followers_and_hashtags_by_videos()
    {
        string Marker(string kind) => kind + Guid.NewGuid().ToString("N")[..8];
        var word = Marker("cap");
        var tag = Marker("tag");
        var name = Marker("usr");
        var ana = await server.NewUserAsync("ranker");

        // Captions: the more often the word appears (in fewer other words), the more relevant.
        var weak = await server.PostMetadataAsync(ana, $"{word} in a much longer caption about several other things entirely");
        var strong = await server.PostMetadataAsync(ana, $"{word} {word} {word}");
        var middle = await server.PostMetadataAsync(ana, $"{word} {word} and more");
        var videos = await ana.Client.GetJsonAsync($"/api/search?q={word}&type=videos");
        Assert.Equal([strong, middle, weak], videos.Ids("videos"));
        Assert.Equal([strong, middle, weak], videos.Ids());

        // Users: the exact name first, then by followers.
        var exact = await RegisterAsync(name);
        var few = await RegisterAsync(name + "_few");
        var many = await RegisterAsync(name + "_many");
        var none = await RegisterAsync(name + "_none");
        var fans = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => server.NewUserAsync("fan")));
        foreach (var (fan, i) in fans.Select((f, i) => (f, i)))
        {
            Assert.Equal(HttpStatusCode.OK, (await fan.Client.PostAsync($"/api/users/{many}/follow", null)).StatusCode);
            if (i == 0)
            {
                Assert.Equal(HttpStatusCode.OK, (await fan.Client.PostAsync($"/api/users/{few}/follow", null)).StatusCode);
            }
        }

        var users = await ana.Client.GetJsonAsync($"/api/search?q=@{name}&type=users");
        Assert.Equal([exact, many, few, none], users.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("username").GetString()));
        Assert.Equal([exact, many, few, none], users.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("username").GetString()));

        // Inside a username or a display name (any case) matches too, after the names that start with it.
        var inside = await RegisterAsync("my_" + name);
        var known = await server.NewUserAsync("shown");
        Assert.Equal(HttpStatusCode.OK, (await known.Client.PatchAsJsonAsync("/api/me/settings", new { displayName = $"The {name.ToUpperInvariant()} fan" })).StatusCode);
        var wider = (await ana.Client.GetJsonAsync($"/api/search?q={name}&type=users")).GetProperty("users").EnumerateArray().Select(u => u.GetProperty("username").GetString()).ToList();
        Assert.Equal([exact, many, few, none], wider.Take(4));
        Assert.Equal([inside, known.Username], wider.Skip(4).Order(StringComparer.Ordinal));
        var byDisplayName = (await ana.Client.GetJsonAsync($"/api/search?q=the%20{name}%20fan&type=users")).GetProperty("users").EnumerateArray().Select(u => u.GetProperty("username").GetString());
        Assert.Equal([known.Username], byDisplayName);

        // Hashtags: the exact tag first, then by how many videos carry it.
        foreach (var (suffix, times) in new[] { ("", 1), ("one", 1), ("three", 3), ("two", 2) })
        {
            for (var i = 0; i < times; i++)
            {
                await server.PostMetadataAsync(ana, $"clip #{tag}{suffix}");
            }
        }

        var tags = await ana.Client.GetJsonAsync($"/api/search?q=%23{tag}&type=hashtags");
        Assert.Equal([tag, $"{tag}three", $"{tag}two", $"{tag}one"], tags.GetProperty("hashtags").EnumerateArray().Select(h => h.GetProperty("name").GetString()));
        Assert.Equal([1, 3, 2, 1], tags.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("videoCount").GetInt32()));
        Assert.Equal(JsonValueKind.Null, tags.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Search_of_one_type_pages_its_ranking_with_a_cursor()
    {
        var tag = "pg" + Guid.NewGuid().ToString("N")[..8];
        var ana = await server.NewUserAsync("pager");
        foreach (var (suffix, times) in new[] { ("a", 1), ("b", 4), ("c", 3), ("d", 2), ("e", 5) })
        {
            for (var i = 0; i < times; i++)
            {
                await server.PostMetadataAsync(ana, $"clip #{tag}{suffix}");
            }
        }

        var seen = new List<string?>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await server.Visitor().GetJsonAsync($"/api/search?q={tag}&type=hashtags&count=2{(cursor is null ? "" : "&cursor=" + cursor)}");
            var names = page.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("name").GetString()).ToList();
            Assert.Equal(names, page.GetProperty("hashtags").EnumerateArray().Select(h => h.GetProperty("name").GetString()));
            seen.AddRange(names);
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal([$"{tag}e", $"{tag}b", $"{tag}c", $"{tag}d", $"{tag}a"], seen);
        Assert.Equal(3, pages);

        // Without a type the answer stays grouped, as the web client reads it, with no page to follow.
        var grouped = await server.Visitor().GetJsonAsync($"/api/search?q={tag}");
        Assert.False(grouped.TryGetProperty("items", out _));
        Assert.Equal(5, grouped.GetProperty("hashtags").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, grouped.GetProperty("nextCursor").ValueKind);
    }

    [Theory]
    [InlineData("type=hashtags&count=0")]
    [InlineData("type=hashtags&count=-1")]
    [InlineData("type=hashtags&count=100000")]
    [InlineData("type=users&cursor=garbage")]
    [InlineData("type=videos&cursor=AAAAAAAAAAAAAAAAAAAAAA%27%20OR%201%3D1")]
    [InlineData("type=videos&cursor=CN0eRBoKwAAAAAAAAAAABQ")] // a time cursor of another list, not a rank
    [InlineData("type=videos&cursor=AAAAAAAAAAAAAAAAAAAD6Q")] // rank 1001: deeper than search goes
    [InlineData("cursor=AAAAAAAAAAAAAAAAAAAAAQ")] // a rank cursor without a type to page
    public async Task Search_paging_values_are_checked(string paging)
    {
        await (await server.Visitor().GetAsync($"/api/search?q=cats&{paging}")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    private async Task<string> RegisterAsync(string username)
    {
        var response = await server.Visitor().PostAsJsonAsync("/api/auth/register", new { username, password = "correct horse battery" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return username;
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("*")]
    [InlineData("NEAR(a b)")]
    [InlineData("a OR b AND NOT c")]
    [InlineData("'; DROP TABLE \"Videos\"; --")]
    [InlineData("cats:* & !dogs")]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("日本")]
    public async Task Search_syntax_in_queries_is_treated_as_text(string query)
    {
        var response = await server.Visitor().GetAsync("/api/search?q=" + Uri.EscapeDataString(query));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
