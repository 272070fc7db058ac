using System.Globalization;
using System.Text;

namespace Reeltime.Platform.Videos;

/// <summary>A caption's parts: the #hashtags and @mentions it contains.</summary>
/// <param name="Hashtags">Distinct hashtags, lower case, without '#', in order of appearance.</param>
/// <param name="Mentions">Distinct mentioned usernames, without '@', in order of appearance.</param>
public sealed record ParsedCaption(IReadOnlyList<string> Hashtags, IReadOnlyList<string> Mentions);

/// <summary>What a caption may be, and how its hashtags and mentions are found.</summary>
public static class CaptionRules
{
    public const int MaxLength = 2200;
    public const int MaxHashtagLength = 64;
    public const int MaxHashtags = 30;
    public const int MaxMentions = 20;

    private static readonly System.Buffers.SearchValues<char> DigitsAndUnderscore = System.Buffers.SearchValues.Create("0123456789_");

    /// <summary>Validates and normalises a caption (NFC); returns an error message or null.</summary>
    public static string? Check(string? caption, out string normalized)
    {
        normalized = string.Empty;
        if (caption is null)
        {
            return null;
        }

        if (!IsWellFormedUtf16(caption))
        {
            return "The caption contains invalid Unicode.";
        }

        normalized = caption.Normalize(NormalizationForm.FormC).Trim();
        if (normalized.Length > MaxLength)
        {
            return $"A caption has at most {MaxLength} characters.";
        }

        if (HasControlCharacters(normalized, multiline: true))
        {
            return "The caption contains control characters.";
        }

        var parsed = Parse(normalized);
        if (parsed.Hashtags.Count > MaxHashtags)
        {
            return $"A caption has at most {MaxHashtags} hashtags.";
        }

        return parsed.Mentions.Count > MaxMentions ? $"A caption has at most {MaxMentions} mentions." : null;
    }

    /// <summary>Finds hashtags (# then letters, digits, marks or '_') and mentions (@ then a username).</summary>
    public static ParsedCaption Parse(string caption)
    {
        var hashtags = new List<string>();
        var mentions = new List<string>();
        for (var i = 0; i < caption.Length; i++)
        {
            var c = caption[i];
            if (c is not '#' and not '@')
            {
                continue;
            }

            // A tag starts a word: "a#b" and "me@example.com" are not tags.
            if (i > 0 && IsTagChar(caption[i - 1]))
            {
                continue;
            }

            var start = i + 1;
            var end = start;
            if (c == '#')
            {
                while (end < caption.Length && IsTagChar(caption[end]))
                {
                    end++;
                }

                var length = Math.Min(end - start, MaxHashtagLength);
                // All digits ("#1") is a number, not a topic.
                if (length > 0 && caption.AsSpan(start, length).ContainsAnyExcept(DigitsAndUnderscore))
                {
                    AddDistinct(hashtags, caption.Substring(start, length).ToLowerInvariant());
                }
            }
            else
            {
                while (end < caption.Length && (char.IsAsciiLetterOrDigit(caption[end]) || caption[end] is '_' or '.'))
                {
                    end++;
                }

                // A sentence may end right after a mention: "thanks @ana." mentions "ana".
                while (end > start && caption[end - 1] == '.')
                {
                    end--;
                }

                if (Accounts.UsernameRules.Check(caption[start..end]) is null)
                {
                    AddDistinct(mentions, caption[start..end]);
                }
            }

            i = end - 1;
        }

        return new ParsedCaption(hashtags, mentions);
    }

    /// <summary>Normalises a hashtag given in a URL or search ("#Cats" → "cats"); null if it is not one.</summary>
    public static string? NormalizeHashtag(string? tag)
    {
        // Normalize throws on a lone surrogate: check before normalising.
        if (string.IsNullOrWhiteSpace(tag) || !IsWellFormedUtf16(tag))
        {
            return null;
        }

        var t = tag.Trim().TrimStart('#').Normalize(NormalizationForm.FormC);
        if (t.Length is 0 or > MaxHashtagLength)
        {
            return null;
        }

        foreach (var c in t)
        {
            if (!IsTagChar(c))
            {
                return null;
            }
        }

        return t.ToLowerInvariant();
    }

    private static bool IsTagChar(char c) =>
        char.IsLetterOrDigit(c) || c == '_' || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static void AddDistinct(List<string> list, string item)
    {
        if (!list.Contains(item, StringComparer.OrdinalIgnoreCase))
        {
            list.Add(item);
        }
    }

    /// <summary>
    /// True when the string has control characters (C0 and C1): a NUL or an escape sequence hidden in a comment
    /// or a name can break terminals, logs and other clients. Line breaks and tabs are allowed in text that may
    /// span lines. The bidirectional embeddings and overrides (U+202A to U+202E) count too: they reorder what
    /// follows, so "Ava\u202Egnp.exe" shows as "Avaexe.png" (the "Trojan Source" trick); right-to-left text
    /// needs none of them. A one-line name may not carry the isolates (U+2066 to U+2069) either.
    /// </summary>
    /// <param name="s">The text.</param>
    /// <param name="multiline">Whether '\n' and '\t' are allowed (and the bidirectional isolates).</param>
    public static bool HasControlCharacters(string s, bool multiline)
    {
        ArgumentNullException.ThrowIfNull(s);
        foreach (var c in s)
        {
            if ((char.IsControl(c) && !(multiline && c is '\n' or '\t')) || c is >= '\u202A' and <= '\u202E' || (!multiline && c is >= '\u2066' and <= '\u2069'))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the string has no lone surrogates.</summary>
    public static bool IsWellFormedUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }
}
