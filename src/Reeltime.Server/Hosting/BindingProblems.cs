using System.Text.RegularExpressions;

namespace Reeltime.Server;

/// <summary>
/// Turns ASP.NET Core's binding failures ("Failed to bind parameter "int? count" from "ten".") into a
/// sentence for the person who sent the request. The framework's message is the only place that names the
/// parameter and the value; the alternative, every endpoint taking its numbers as strings and parsing them
/// itself, would repeat the same checks on every route.
/// </summary>
internal static partial class BindingProblems
{
    private const int ShownValueLength = 40;
    private const string WholeNumber = "a whole number";

    /// <summary>The refused parameter and what to tell the client, or null when the message is not a binding failure.</summary>
    public static (string Parameter, string Title)? Describe(string message)
    {
        if (Unbindable().Match(message) is { Success: true } unbindable)
        {
            var name = unbindable.Groups["name"].Value;
            var value = unbindable.Groups["value"].Value;
            var shown = value.Length > ShownValueLength ? string.Concat(value.AsSpan(0, ShownValueLength), "…") : value;
            var expected = Expected(unbindable.Groups["type"].Value);
            return (name, expected == WholeNumber && WholeNumberText().IsMatch(value)
                ? $"{name} is out of range: \"{shown}\"."
                : $"{name} must be {expected}, not \"{shown}\".");
        }

        return null;
    }

    // The framework writes the type as C# does (int?) or as the runtime does (Nullable<int>, Int32).
    private static string Expected(string type) => (type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type.TrimEnd('?')) switch
    {
        "int" or "Int32" or "long" or "Int64" or "short" or "Int16" or "byte" or "Byte" => WholeNumber,
        "double" or "Double" or "float" or "Single" or "decimal" or "Decimal" => "a number",
        "bool" or "Boolean" => "true or false",
        "Guid" => "an id of the form 00000000-0000-0000-0000-000000000000",
        "DateTime" or "DateTimeOffset" => "a date and time such as 2026-01-31T12:00:00Z",
        _ => "a valid value",
    };

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^"]+) (?<name>[^" ]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Unbindable();

    [GeneratedRegex(@"^\s*[-+]?[0-9]+\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex WholeNumberText();
}
