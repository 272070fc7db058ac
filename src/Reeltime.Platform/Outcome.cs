namespace Reeltime.Platform;

/// <summary>Why a request to the platform did not succeed; the server turns each into a problem details status.</summary>
public enum FailureKind
{
    /// <summary>The input breaks a rule (400).</summary>
    Invalid,
    /// <summary>The thing does not exist, or the caller may not know that it does (404).</summary>
    NotFound,
    /// <summary>The caller may see the thing but not do this to it (403).</summary>
    Forbidden,
    /// <summary>The request conflicts with the current state, e.g. a taken username (409).</summary>
    Conflict,
    /// <summary>The credentials are wrong (401).</summary>
    Unauthorized,
    /// <summary>Too many failed attempts; try again later (423/429).</summary>
    LockedOut,
    /// <summary>The content is larger than the limit (413).</summary>
    TooLarge,
}

/// <summary>An expected failure, with a message a person understands.</summary>
/// <param name="Kind">The kind of failure.</param>
/// <param name="Title">A short sentence for a person.</param>
/// <param name="Errors">Per-field messages for validation failures.</param>
public sealed record Failure(FailureKind Kind, string Title, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static Failure NotFound(string what) => new(FailureKind.NotFound, $"{what} was not found.");

    public static Failure Invalid(string field, string message) =>
        new(FailureKind.Invalid, message, new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });
}

/// <summary>The result of a platform operation: a value or a failure. Failures are values, not exceptions.</summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly struct Outcome<T>
{
    private Outcome(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public Failure? Failure { get; }

    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);
}

/// <summary>Nothing to return on success.</summary>
public readonly record struct Done
{
    public static readonly Done Value;
}
