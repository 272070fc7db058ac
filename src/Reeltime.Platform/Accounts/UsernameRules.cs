using System.Collections.Frozen;
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

        if (IsCommon(password))
        {
            return "This password is among the first that attackers try: choose a less common one, such as a few unrelated words.";
        }

        return null;
    }

    // The words at the root of the passwords most often found in leaked lists, and the runs of keys people type.
    // Written here rather than taken from a package: no maintained .NET package carries such a list, and the
    // usual forms ("Password1!", "iloveyou123", "qwertyuiop") come from a few dozen roots with digits and
    // symbols around them, which the check strips before it looks.
    private static readonly FrozenSet<string> CommonRoots = new[]
    {
        "password", "passw0rd", "passwort", "motdepasse", "contrasena", "iloveyou", "loveyou", "letmein", "welcome",
        "admin", "administrator", "qwerty", "monkey", "dragon", "football", "baseball", "basketball", "soccer",
        "hockey", "sunshine", "princess", "trustno", "master", "superman", "batman", "starwars", "whatever",
        "shadow", "freedom", "computer", "internet", "changeme", "secret", "login", "hello", "helloworld",
        "charlie", "michael", "jennifer", "jordan", "hunter", "ranger", "killer", "pokemon", "naruto",
        "minecraft", "google", "reeltime", "tiktok", "instagram", "facebook", "summer", "winter", "spring",
        "autumn", "letmeinnow", "blink", "abcdef", "abcdefg", "abcdefgh", "abcdefghij", "abcd", "abc",
        "asdf", "qazwsx", "zaq", "pass", "test", "guest", "default", "user", "love", "lovely", "angel",
        "babygirl", "iloveu", "myspace", "mustang", "access", "flower", "cookie", "cheese", "ninja",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly string[] KeyRuns = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "qwertzuiop", "azertyuiop", "1qaz2wsx3edc", "0987654321", "abcdefghijklmnopqrstuvwxyz"];

    /// <summary>Whether the password is a common root with digits or symbols around it, or a run of keys.</summary>
    private static bool IsCommon(string password)
    {
        var lower = password.ToLowerInvariant();
        var core = lower.Trim("0123456789!@#$%^&*()-_=+.,?~ ".ToCharArray());
        var plain = core.Replace('0', 'o').Replace('1', 'i').Replace('3', 'e').Replace('4', 'a').Replace('5', 's').Replace('@', 'a').Replace('$', 's');
        if (core.Length == 0 || CommonRoots.Contains(core) || CommonRoots.Contains(plain))
        {
            // Digits and symbols alone are tried first too, unless long and not a run (checked below).
            if (core.Length > 0 || IsRun(lower.Where(char.IsDigit).ToArray()) || lower.Length < 12)
            {
                return true;
            }
        }

        return KeyRuns.Any(run => run.Contains(lower, StringComparison.Ordinal) || (lower.Contains(run, StringComparison.Ordinal) && lower.Length - run.Length < 4));
    }

    // 1234567890, 9876543210, 1122334455 and the like.
    private static bool IsRun(char[] digits)
    {
        if (digits.Length < 2)
        {
            return true;
        }

        var steps = digits.Zip(digits.Skip(1), (a, b) => b - a).Distinct().ToArray();
        return steps.Length == 1 || (steps.Length <= 2 && steps.All(d => Math.Abs(d) <= 1));
    }

    /// <summary>Checks a region code: lower-case letters, digits and '-', e.g. "eu" or "us-east".</summary>
    public static string? CheckRegion(string region, IReadOnlyCollection<string> known) =>
        known.Contains(region, StringComparer.Ordinal)
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"Unknown region '{Truncate(region)}'. Known regions: {string.Join(", ", known)}.");

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32];
}
