using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Platform;

namespace Reeltime.Server.Apis;

/// <summary>Turns the platform's expected failures into RFC 9457 problem details.</summary>
internal static class Problems
{
    public static ProblemHttpResult From(Failure failure)
    {
        var status = failure.Kind switch
        {
            FailureKind.Invalid => StatusCodes.Status400BadRequest,
            FailureKind.NotFound => StatusCodes.Status404NotFound,
            FailureKind.Forbidden => StatusCodes.Status403Forbidden,
            FailureKind.Conflict => StatusCodes.Status409Conflict,
            FailureKind.Unauthorized => StatusCodes.Status401Unauthorized,
            FailureKind.LockedOut => StatusCodes.Status429TooManyRequests,
            FailureKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
            _ => StatusCodes.Status400BadRequest,
        };
        var extensions = failure.Errors is null ? null : new Dictionary<string, object?>(StringComparer.Ordinal) { ["errors"] = failure.Errors };
        return TypedResults.Problem(title: failure.Title, statusCode: status, extensions: extensions);
    }

    public static ProblemHttpResult Invalid(string field, string message) => From(Failure.Invalid(field, message));

    /// <summary>Reads the paging parameters every list takes; absurd values are refused, not clamped silently.</summary>
    public static Failure? Paging(string? cursor, int? count, out Cursor? position, out int size, int defaultCount = 20)
    {
        size = count ?? defaultCount;
        if (!Cursor.TryDecode(cursor, out position))
        {
            return Failure.Invalid("cursor", "The cursor is not one this server gave out.");
        }

        return size is < Cursor.MinCount or > Cursor.MaxCount
            ? Failure.Invalid("count", $"count is between {Cursor.MinCount} and {Cursor.MaxCount}.")
            : null;
    }
}
