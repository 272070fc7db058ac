using System.Net;
using System.Text.Json;

namespace Reeltime.Server.Tests;

public sealed class AccountsTests(ReeltimeServer server) : IClassFixture<ReeltimeServer>
{
    [Fact]
    public async Task Register_then_sign_in_returns_a_token_that_works()
    {
        var client = server.Visitor();
        var name = "ana_" + Guid.NewGuid().ToString("N")[..8];
        var registered = await client.PostAsJsonAsync("/api/auth/register", new { username = name, password = "a long enough secret", email = "ana@example.org" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var body = await registered.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(name, body.GetProperty("username").GetString());

        var login = await client.PostAsJsonAsync("/api/auth/login", new { username = name.ToUpperInvariant(), password = "a long enough secret" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("rt_session=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var me = await client.GetJsonAsync("/api/me");
        Assert.Equal(name, me.GetProperty("username").GetString());
        Assert.Equal("eu", me.GetProperty("region").GetString());
        Assert.Equal("ana@example.org", me.GetProperty("email").GetString());
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("this_name_is_far_too_long_for_us")]
    [InlineData("with space")]
    [InlineData("аdmin")] // Cyrillic а: a look-alike
    [InlineData("<script>")]
    [InlineData("'; DROP TABLE Users; --")]
    [InlineData(".dot")]
    [InlineData("admin")]
    [InlineData("emoji😀")]
    [InlineData("nul\u0000name")]
    [InlineData("tab\tname")]
    [InlineData("esc\u001bname")]
    [InlineData("c1\u0085name")]
    [InlineData("zero\u200bwidth")]
    public async Task Invalid_usernames_are_refused_with_a_reason(string username)
    {
        var response = await server.Visitor().PostAsJsonAsync("/api/auth/register", new { username, password = "a long enough secret" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("username", out _));
    }

    [Theory]
    [InlineData("ana\\ud800")] // a lone high surrogate, as JSON escapes it
    [InlineData("\\udc00ana")] // a lone low surrogate
    [InlineData("ana\\ud83d\\ud83d")] // two high surrogates
    [InlineData("ana\\u0000x")]
    [InlineData("ana\\u001f")]
    public async Task Usernames_with_invalid_unicode_sent_as_json_escapes_are_refused_with_a_reason(string escaped)
    {
        using var body = new StringContent($"{{\"username\":\"{escaped}\",\"password\":\"a long enough secret\"}}", System.Text.Encoding.UTF8, "application/json");
        await (await server.Visitor().PostAsync("/api/auth/register", body)).AssertTextRefusedAsync("username", escaped);
    }

    [Theory]
    [InlineData("displayName", "Ana\\ud800")]
    [InlineData("displayName", "Ana\\u0000")]
    [InlineData("displayName", "two\\nlines")]
    [InlineData("displayName", "\\u001b[31mAna")]
    [InlineData("displayName", "Ava \\u202Egnp.exe\\u202C")]
    [InlineData("displayName", "Ava \\u2067x\\u2069")]
    [InlineData("bio", "see \\u202Dreversed\\u202C")]
    [InlineData("bio", "lone \\udfff low")]
    [InlineData("bio", "nul \\u0000 bio")]
    [InlineData("bio", "\\u001b]0;title\\u0007")]
    [InlineData("bio", "c1 \\u009b bio")]
    public async Task Settings_with_invalid_unicode_or_control_characters_are_refused(string field, string escaped)
    {
        var user = await server.NewUserAsync("badsettings");
        using var body = new StringContent($"{{\"{field}\":\"{escaped}\"}}", System.Text.Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Patch, "/api/me/settings") { Content = body };
        await (await user.Client.SendAsync(request)).AssertTextRefusedAsync(field, escaped);
        var me = await user.Client.GetJsonAsync("/api/me");
        Assert.Equal(JsonValueKind.Null, me.GetProperty(field).ValueKind);
    }

    [Fact]
    public async Task A_bio_may_span_lines()
    {
        var user = await server.NewUserAsync("lines");
        var changed = await user.Client.PatchAsJsonAsync("/api/me/settings", new { displayName = "Ana Müller 😀", bio = "first line\nsecond\tline" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var me = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("first line\nsecond\tline", me.GetProperty("bio").GetString());
        Assert.Equal("Ana Müller 😀", me.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Sign_in_beyond_the_rate_limit_is_refused_with_problem_details()
    {
        var server = new ReeltimeServer();
        server.Settings["SignInPermitsPerMinute"] = "3";
        var lifetime = (IAsyncLifetime)server;
        await lifetime.InitializeAsync();
        try
        {
            var client = server.Visitor();
            var username = "limited_" + Guid.NewGuid().ToString("N")[..8];
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/auth/register", new { username, password = "a long enough secret" })).StatusCode);
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/auth/login", new { username, password = "a long enough secret" })).StatusCode);
            }

            var refused = await client.PostAsJsonAsync("/api/auth/login", new { username, password = "a long enough secret" });
            var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Contains("Too many", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
            Assert.False(refused.Headers.Contains("Set-Cookie"));

            // The limit is on sign-in only: the rest of the API still answers.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/users/{username}")).StatusCode);
        }
        finally
        {
            await lifetime.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("short")]
    [InlineData("aaaaaaaaaaaaaaaa")]
    public async Task Weak_passwords_are_refused(string password)
    {
        var response = await server.Visitor().PostAsJsonAsync("/api/auth/register", new { username = "pw_" + Guid.NewGuid().ToString("N")[..8], password });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Usernames_are_unique_regardless_of_case()
    {
        var user = await server.NewUserAsync("dup");
        var response = await server.Visitor().PostAsJsonAsync("/api/auth/register", new { username = user.Username.ToUpperInvariant(), password = "another long secret" });
        await response.AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task An_unknown_region_is_refused()
    {
        var response = await server.Visitor().PostAsJsonAsync("/api/auth/register", new { username = "reg_" + Guid.NewGuid().ToString("N")[..8], password = "a long enough secret", region = "mars" });
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_repeated_failures_lock_the_account()
    {
        var user = await server.NewUserAsync("lock");
        var client = server.Visitor();
        for (var i = 0; i < 5; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = "not the password" });
            await wrong.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        var locked = await client.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = user.Password });
        var problem = await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("Try again", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Someone_guessing_at_an_account_is_stopped_without_locking_out_its_owner()
    {
        var user = await server.NewUserAsync("target");
        var guesser = server.Visitor();
        guesser.DefaultRequestHeaders.Add("X-Test-Client-Address", "203.0.113.9");
        for (var i = 0; i < 5; i++)
        {
            await (await guesser.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = $"guess number {i}" })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        // The guesser's address is refused even the right password; the owner, elsewhere, signs in.
        await (await guesser.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = user.Password })).AssertProblemAsync(HttpStatusCode.TooManyRequests);
        var owner = server.Visitor();
        owner.DefaultRequestHeaders.Add("X-Test-Client-Address", "198.51.100.7");
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = user.Password })).StatusCode);
    }

    [Fact]
    public async Task Unknown_users_get_the_same_answer_as_wrong_passwords()
    {
        var response = await server.Visitor().PostAsJsonAsync("/api/auth/login", new { username = "nobody_here_at_all", password = "whatever it is" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("The username or password is wrong.", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Sign_out_ends_the_session_at_once()
    {
        var user = await server.NewUserAsync("out");
        Assert.Equal(HttpStatusCode.NoContent, (await user.Client.PostAsync("/api/auth/logout", null)).StatusCode);
        var after = await user.Client.GetAsync("/api/me");
        await after.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Cookie_authenticated_writes_need_the_csrf_token()
    {
        var user = await server.NewUserAsync("csrf");
        var browser = server.CreateClient(); // keeps cookies, like a browser
        var login = await browser.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = user.Password });
        var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString();

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode);
        var forged = await browser.PatchAsJsonAsync("/api/me/settings", new { bio = "forged" });
        await forged.AssertProblemAsync(HttpStatusCode.Forbidden);

        using var request = new HttpRequestMessage(HttpMethod.Patch, "/api/me/settings") { Content = JsonContent.Create(new { bio = "mine" }) };
        request.Headers.Add("X-CSRF-Token", csrf);
        var genuine = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        Assert.Equal("mine", (await genuine.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bio").GetString());
    }

    [Fact]
    public async Task A_telemetry_beacon_may_carry_the_csrf_token_in_its_address_and_nothing_else_may()
    {
        var user = await server.NewUserAsync("beacon");
        var browser = server.CreateClient();
        var login = await browser.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = user.Password });
        var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrfToken").GetString();
        var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var batch = new { events = new[] { new { type = "play", videoId = 1, clientTime = t } } };

        Assert.Equal(HttpStatusCode.Accepted, (await browser.PostAsJsonAsync($"/api/events?csrf={Uri.EscapeDataString(csrf!)}", batch)).StatusCode);
        await (await browser.PostAsJsonAsync("/api/events?csrf=not-the-token", batch)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await browser.PostAsJsonAsync("/api/events", batch)).AssertProblemAsync(HttpStatusCode.Forbidden);
        var elsewhere = await browser.PatchAsJsonAsync($"/api/me/settings?csrf={Uri.EscapeDataString(csrf!)}", new { bio = "forged" });
        await elsewhere.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Protected_routes_need_a_session()
    {
        var visitor = server.Visitor();
        await (await visitor.GetAsync("/api/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        visitor.DefaultRequestHeaders.Authorization = new("Bearer", "made-up-token-that-is-long-enough");
        await (await visitor.GetAsync("/api/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Passwords_are_stored_hashed()
    {
        var user = await server.NewUserAsync("hash");
        using var scope = server.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Reeltime.Platform.Storage.PlatformDbContext>();
        var stored = db.Users.Single(u => u.Id == user.Id).PasswordHash;
        Assert.DoesNotContain(user.Password, stored, StringComparison.Ordinal);
        Assert.True(stored.Length > 40);
    }
}
