using Reeltime.Platform.Videos;

namespace Reeltime.Platform.Tests;

public sealed class CaptionRulesTests
{
    [Theory]
    [InlineData("Sunset #Beach #beach #sun_set", new[] { "beach", "sun_set" })]
    [InlineData("#a#b", new[] { "a" })]
    [InlineData("no tags here, me@example.com, C#", new string[0])]
    [InlineData("year #2024 and #top10", new[] { "top10" })]
    [InlineData("#日本 #café", new[] { "日本", "café" })]
    [InlineData("(#wrapped) #end.", new[] { "wrapped", "end" })]
    public void Hashtags_are_found_lower_cased_and_distinct(string caption, string[] expected) =>
        Assert.Equal(expected, CaptionRules.Parse(caption).Hashtags);

    [Theory]
    [InlineData("thanks @ana.b. and @ben_1!", new[] { "ana.b", "ben_1" })]
    [InlineData("mail me@example.com", new string[0])]
    [InlineData("@ab too short, @admin reserved", new string[0])]
    public void Mentions_are_found_when_they_are_valid_usernames(string caption, string[] expected) =>
        Assert.Equal(expected, CaptionRules.Parse(caption).Mentions);

    [Fact]
    public void Captions_with_lone_surrogates_or_control_characters_are_refused()
    {
        Assert.NotNull(CaptionRules.Check("bad \uD800 text", out _));
        Assert.NotNull(CaptionRules.Check("bell \u0007", out _));
        Assert.Null(CaptionRules.Check("line\nbreak\tand tab 😀", out var normalized));
        Assert.Equal("line\nbreak\tand tab 😀", normalized);
    }

    [Fact]
    public void Captions_are_normalised_to_nfc()
    {
        Assert.Null(CaptionRules.Check("cafe\u0301", out var normalized));
        Assert.Equal("caf\u00e9", normalized);
    }

    [Fact]
    public void Too_many_hashtags_are_refused() =>
        Assert.NotNull(CaptionRules.Check(string.Join(' ', Enumerable.Range(0, 31).Select(i => $"#t{i}")), out _));

    [Theory]
    [InlineData("#Cats", "cats")]
    [InlineData(" dogs ", "dogs")]
    [InlineData("two words", null)]
    [InlineData("", null)]
    [InlineData("<script>", null)]
    public void Hashtags_from_urls_are_normalised_or_refused(string input, string? expected) =>
        Assert.Equal(expected, CaptionRules.NormalizeHashtag(input));
}

public sealed class UsernameRulesTests
{
    [Theory]
    [InlineData("ana", true)]
    [InlineData("ana.b_1", true)]
    [InlineData("ab", false)]
    [InlineData("ana..b", false)]
    [InlineData("ana.", false)]
    [InlineData("Ädam", false)]
    [InlineData("root", false)]
    [InlineData("ROOT", false)]
    public void Usernames(string name, bool valid) => Assert.Equal(valid, Accounts.UsernameRules.Check(name) is null);

    [Theory]
    [InlineData("short", "ana", false)]
    [InlineData("ana-is-my-password", "ana", false)]
    [InlineData("abababababab", "ana", false)]
    [InlineData("correct horse battery", "ana", true)]
    [InlineData("password123", "ana", false)]
    [InlineData("Password1!", "ana", false)]
    [InlineData("password1234", "ana", false)]
    [InlineData("P@ssw0rd2024", "ana", false)]
    [InlineData("qwertyuiop", "ana", false)]
    [InlineData("1234567890", "ana", false)]
    [InlineData("iloveyou123", "ana", false)]
    [InlineData("letmein123", "ana", false)]
    [InlineData("reeltime2026", "ana", false)]
    [InlineData("8305916247", "ana", false)]
    [InlineData("830591624713", "ana", true)]
    [InlineData("violet kayak 42", "ana", true)]
    [InlineData("Tr0mb0ne-Sunset", "ana", true)]
    public void Passwords(string password, string username, bool valid) => Assert.Equal(valid, Accounts.UsernameRules.CheckPassword(password, username) is null);
}

public sealed class CursorTests
{
    [Fact]
    public void A_cursor_round_trips()
    {
        var cursor = new Cursor(new DateTime(2026, 11, 25, 10, 30, 0, DateTimeKind.Utc).AddTicks(1234), 987654321);
        Assert.True(Cursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAA!")]
    [InlineData("////////////////////////")]
    [InlineData("_____________________w")]
    public void Foreign_cursors_are_refused(string text) => Assert.False(Cursor.TryDecode(text, out _));

    [Fact]
    public void No_cursor_is_the_first_page()
    {
        Assert.True(Cursor.TryDecode(null, out var none));
        Assert.Null(none);
    }
}
