using System.Text;

namespace Reeltime.Server.Tests;

/// <summary>
/// Every route in the OpenAPI document, hit with nonsense by a signed-in user: no answer may be a 500, and
/// every refusal must be a problem document. New routes are covered the day they are added.
/// </summary>
public sealed class HostileRequestTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    private static readonly string[] Bodies =
    [
        "{not json",
        "[]",
        "null",
        "{\"username\":{\"nested\":[1,2,3]},\"events\":\"x\",\"caption\":123,\"videoId\":\"NaN\",\"count\":-1}",
        "{\"events\":[null,{},{\"type\":\"\\u0000\",\"videoId\":-9223372036854775808}]}",
        "\"" + new string('x', 10_000) + "\"",
    ];

    private static readonly string[] Queries =
    [
        "",
        "?cursor=%%%&count=-5",
        "?cursor=AAAAAAAAAAAAAAAAAAAAAA&count=999999999999",
        "?q=" + Uri.EscapeDataString("' OR 1=1; DROP TABLE \"Users\"; --") + "&type=everything",
        "?q=" + Uri.EscapeDataString("\"* ^ NEAR( ) : -") + "&type=videos",
        "?count=ten&parentId=x%00y&cursor=",
    ];

    // Bodies of other kinds than JSON: a form cut off before any part, a form whose file part never ends, and
    // bytes as a tus chunk.
    private static readonly (string ContentType, string Body)[] OtherBodies =
    [
        ("multipart/form-data; boundary=x", "no boundary at all"),
        ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n\r\nand no more"),
        ("application/offset+octet-stream", "\u0000\u0001 not a video"),
    ];

    [Fact]
    public async Task No_route_answers_nonsense_with_a_server_error()
    {
        var user = await server.NewUserAsync("hostile");
        var document = await server.Visitor().GetJsonAsync("/openapi/v1.json");
        var failures = new List<string>();
        var routes = 0;
        // Signing out comes last: hit earlier, it would leave every later route tried by a visitor only.
        var paths = document.GetProperty("paths").EnumerateObject().OrderBy(p => p.Name.EndsWith("/logout", StringComparison.Ordinal)).ToList();
        foreach (var path in paths)
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                foreach (var route in Concrete(path.Name))
                {
                    routes++;
                    foreach (var query in Queries)
                    {
                        var hasBody = method != HttpMethod.Get && method != HttpMethod.Delete;
                        (string ContentType, string? Body)[] bodies = !hasBody ? [("", null)]
                            : [.. Bodies.Select(b => ("application/json", (string?)b)), .. query.Length == 0 ? OtherBodies.Select(o => (o.ContentType, (string?)o.Body)) : []];
                        foreach (var (contentType, body) in bodies)
                        {
                            using var request = new HttpRequestMessage(method, route + query);
                            if (body is not null)
                            {
                                request.Content = new StringContent(body, Encoding.UTF8);
                                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
                                request.Headers.TryAddWithoutValidation("Tus-Resumable", "1.0.0");
                                request.Headers.TryAddWithoutValidation("Upload-Offset", "0");
                            }

                            using var response = await user.Client.SendAsync(request);
                            var status = (int)response.StatusCode;
                            var type = response.Content.Headers.ContentType?.MediaType;
                            if (status >= 500 || (status >= 400 && type != "application/problem+json"))
                            {
                                failures.Add($"{method} {route}{query} [{body?[..Math.Min(body.Length, 30)]}] -> {status} {type}");
                            }
                            else if (status >= 400 && await BareTitleAsync(response) is { } title)
                            {
                                // A refusal says what was wrong, not only the status's name.
                                failures.Add($"{method} {route}{query} [{body?[..Math.Min(body.Length, 30)]}] -> {status} titled only \"{title}\"");
                            }
                        }
                    }
                }
            }
        }

        Assert.True(routes > 20, $"only {routes} routes found in the OpenAPI document");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task A_value_that_cannot_be_read_is_named_with_what_it_must_be()
    {
        var visitor = server.Visitor();
        var words = await visitor.GetJsonAsync("/api/feed/for-you?count=ten", System.Net.HttpStatusCode.BadRequest);
        Assert.Equal("count must be a whole number, not \"ten\".", words.GetProperty("title").GetString());
        Assert.Equal(words.GetProperty("title").GetString(), words.GetProperty("errors").GetProperty("count")[0].GetString());
        Assert.False(words.TryGetProperty("exception", out _));

        var tooLarge = await visitor.GetJsonAsync("/api/trending?count=99999999999", System.Net.HttpStatusCode.BadRequest);
        Assert.Equal("count is out of range: \"99999999999\".", tooLarge.GetProperty("title").GetString());

        // A long value is cut short in the answer; the refusal stays the same.
        var parent = await visitor.GetJsonAsync("/api/videos/1/comments?parentId=" + new string('x', 500), System.Net.HttpStatusCode.BadRequest);
        var title = parent.GetProperty("title").GetString()!;
        Assert.StartsWith("parentId must be a whole number", title, StringComparison.Ordinal);
        Assert.True(title.Length < 150, title);

        // The server is none the worse: the same route answers a good request.
        await visitor.GetJsonAsync("/api/feed/for-you?count=3");
    }

    [Fact]
    public async Task An_address_or_headers_too_long_to_read_get_a_problem_document_not_an_empty_answer()
    {
        // Real Kestrel: the in-memory test server has no request-line or header limits of its own.
        await using var real = await ReeltimeServer.StartAsync(_ => { }, overKestrel: true);
        using var client = new HttpClient { BaseAddress = real.Visitor().BaseAddress };

        using (var longAddress = await client.GetAsync("/api/search?q=" + new string('a', 20_000)))
        {
            Assert.Equal(System.Net.HttpStatusCode.RequestUriTooLong, longAddress.StatusCode);
            Assert.Equal("application/problem+json", longAddress.Content.Headers.ContentType?.MediaType);
            using var problem = System.Text.Json.JsonDocument.Parse(await longAddress.Content.ReadAsStringAsync());
            Assert.StartsWith("The address is too long: 20,", problem.RootElement.GetProperty("title").GetString(), StringComparison.Ordinal);
        }

        using (var bigHeaders = new HttpRequestMessage(HttpMethod.Get, "/api/trending"))
        {
            bigHeaders.Headers.Add("Cookie", "crumbs=" + new string('c', 40_000));
            using var answer = await client.SendAsync(bigHeaders);
            Assert.Equal(System.Net.HttpStatusCode.RequestHeaderFieldsTooLarge, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.Contains("headers are too large", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // An address just under the limit is read as usual, and the server answers the next request.
        using var near = await client.GetAsync("/api/search?q=" + new string('a', 8_000));
        Assert.NotEqual(System.Net.HttpStatusCode.RequestUriTooLong, near.StatusCode);
        Assert.True((int)near.StatusCode < 500, $"{near.StatusCode}");
        using var fine = await client.GetAsync("/api/trending");
        Assert.Equal(System.Net.HttpStatusCode.OK, fine.StatusCode);
    }

    private static async Task<string?> BareTitleAsync(HttpResponseMessage response)
    {
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var title = problem.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
        var bare = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase((int)response.StatusCode);
        return string.IsNullOrWhiteSpace(title) || string.Equals(title, bare, StringComparison.OrdinalIgnoreCase) ? title ?? "" : null;
    }

    // Each route with its parameters filled by values that exist, do not exist, and are absurd.
    private static IEnumerable<string> Concrete(string template)
    {
        if (!template.Contains('{', StringComparison.Ordinal))
        {
            yield return template;
            yield break;
        }

        foreach (var value in new[] { "1", "999999999", "-1", "9223372036854775807", "%F0%9F%92%A9", "..%2F..%2Fetc" })
        {
            yield return System.Text.RegularExpressions.Regex.Replace(template, "\\{[^}]+\\}", value);
        }
    }
}
