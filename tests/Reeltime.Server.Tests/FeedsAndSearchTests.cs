using System.Net;

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
            posted.Add(await (i % 2 == 0 ? ana : ben).UploadAsync($"post {i}"));
            await other.UploadAsync("not followed");
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
