using System.Globalization;

namespace Reeltime.Platform.Accounts;

/// <summary>What a username and a password must be.</summary>
public static class UsernameRules
{
    public const int MinLength = 3;
    public const int MaxLength = 30;
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 256;

    // Reserved so that no one can pose as the platform or collide with routes.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "admin", "administrator", "root", "reeltime", "support", "moderator", "staff", "system", "api", "me", "help", "security", "privacy",
    };

    /// <summary>Checks a username: 3–30 characters of ASCII letters, digits, '_' and '.', not starting or ending with '.', no "..".</summary>
    public static string? Check(string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            return "A username is required.";
        }

        if (username.Length is < MinLength or > MaxLength)
        {
            return $"A username has {MinLength} to {MaxLength} characters.";
        }

        // ASCII only: look-alike letters from other scripts would let one user impersonate another.
        foreach (var c in username)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            {
                return "A username may contain only the letters a–z, digits, '_' and '.'.";
            }
        }

        if (username[0] == '.' || username[^1] == '.' || username.Contains("..", StringComparison.Ordinal))
        {
            return "A username may not start or end with '.', nor contain '..'.";
        }

        if (Reserved.Contains(username))
        {
            return "This username is reserved.";
        }

        return null;
    }

    /// <summary>The form usernames are compared and indexed in.</summary>
    public static string Normalize(string username) => username.ToUpperInvariant();

    /// <summary>Checks a password: long enough, not absurdly long, not the username, not all one character.</summary>
    public static string? CheckPassword(string? password, string? username)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
        {
            return $"A password has at least {MinPasswordLength} characters.";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"A password has at most {MaxPasswordLength} characters.";
        }

        if (username is not null && password.Contains(username, StringComparison.OrdinalIgnoreCase))
        {
            return "A password may not contain the username.";
        }

        if (password.Distinct().Count() < 4)
        {
            return "This password is too easy to guess: use more different characters.";
        }

        return null;
    }

    /// <summary>Checks a region code: lower-case letters, digits and '-', e.g. "eu" or "us-east".</summary>
    public static string? CheckRegion(string region, IReadOnlyCollection<string> known) =>
        known.Contains(region, StringComparer.Ordinal)
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"Unknown region '{Truncate(region)}'. Known regions: {string.Join(", ", known)}.");

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32];
}
