using System.Net;

namespace Reeltime.Server.Tests;

/// <summary>Every list refuses absurd paging, and every write refuses a caller who is not signed in.</summary>
public sealed class ListsAndAccessTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    public static TheoryData<string, string> AbsurdPaging()
    {
        string[] lists = ["/api/users/{user}/videos", "/api/videos/{video}/comments", "/api/me/bookmarks", "/api/feed/following", "/api/hashtags/cats/videos", "/api/me/blocked"];
        string[] paging =
        [
            "count=-1", "count=0", "count=100000", "count=2147483648", "cursor=garbage", "cursor=AAAAAAAAAAAAAAAAAAAAAA%27%20OR%201%3D1",
            "cursor=" + new string('A', 2000), "cursor=____________________w_", "count=5&cursor=%00",
        ];
        var data = new TheoryData<string, string>();
        foreach (var list in lists)
        {
            foreach (var query in paging)
            {
                data.Add(list, query);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AbsurdPaging))]
    public async Task Absurd_paging_is_refused_with_problem_details(string list, string query)
    {
        var ana = await server.NewUserAsync("pager");
        var video = await server.PostMetadataAsync(ana, "a video to page the comments of");
        var url = list.Replace("{user}", ana.Username, StringComparison.Ordinal).Replace("{video}", video.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var problem = await (await ana.Client.GetAsync($"{url}?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest);

        // The refusal names the parameter at fault, except when the value is not even a number.
        if (!query.StartsWith("count=2147483648", StringComparison.Ordinal))
        {
            var field = query.Contains("cursor", StringComparison.Ordinal) ? "cursor" : "count";
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        }

        // The same list with sane paging answers.
        await ana.Client.GetJsonAsync($"{url}?count=5");
    }

    /// <summary>Writes a visitor may make: creating an account, signing in, and watch telemetry (visitors watch too).</summary>
    private static readonly HashSet<string> OpenWrites = new(StringComparer.Ordinal) { "POST /api/auth/register", "POST /api/auth/login", "POST /api/events" };

    public static TheoryData<string, string> Writes() => new()
    {
        { "POST", "/api/auth/logout" },
        { "POST", "/api/videos" },
        { "PATCH", "/api/videos/1" },
        { "DELETE", "/api/videos/1" },
        { "POST", "/api/videos/1/like" },
        { "DELETE", "/api/videos/1/like" },
        { "POST", "/api/videos/1/share" },
        { "POST", "/api/videos/1/bookmark" },
        { "DELETE", "/api/videos/1/bookmark" },
        { "POST", "/api/videos/1/comments" },
        { "DELETE", "/api/comments/1" },
        { "POST", "/api/users/someone/follow" },
        { "DELETE", "/api/users/someone/follow" },
        { "POST", "/api/users/someone/block" },
        { "DELETE", "/api/users/someone/block" },
        { "POST", "/api/users/someone/follow-request" },
        { "PATCH", "/api/me/settings" },
        { "DELETE", "/api/me/interests" },
        { "DELETE", "/api/me/interests/hashtags/cats" },
        { "DELETE", "/api/me/interests/creators/someone" },
        { "DELETE", "/api/me/not-interested/hashtags/cats" },
        { "DELETE", "/api/me/not-interested/creators/someone" },
        { "POST", "/api/feedback/not-interested" },
        { "POST", "/api/uploads" },
        { "PATCH", "/api/uploads/0123456789abcdef0123456789abcdef" },
        { "DELETE", "/api/uploads/0123456789abcdef0123456789abcdef" },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Every_write_without_a_session_is_unauthorized(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "DELETE")
        {
            request.Content = JsonContent.Create(new { text = "hi", approve = true, bio = "x", videoId = 1, scope = "video" });
        }

        await (await server.Visitor().SendAsync(request)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_table_of_writes_covers_every_write_route_of_the_api()
    {
        var document = await server.Visitor().GetJsonAsync("/openapi/v1.json");
        var covered = Writes().Select(row => $"{row[0]} {System.Text.RegularExpressions.Regex.Replace((string)row[1], "/(1|someone|cats|[0-9a-f]{32})(?=/|$)", "/{}")}").ToHashSet(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "post" or "put" or "patch" or "delete"))
            {
                var route = $"{operation.Name.ToUpperInvariant()} {path.Name.TrimEnd('/')}";
                var shape = System.Text.RegularExpressions.Regex.Replace(route, "\\{[^}]+\\}", "{}");
                if (!OpenWrites.Contains(route) && !covered.Contains(shape))
                {
                    missing.Add(route);
                }
            }
        }

        Assert.True(missing.Count == 0, "writes not in the table: " + string.Join(", ", missing));
    }
}
