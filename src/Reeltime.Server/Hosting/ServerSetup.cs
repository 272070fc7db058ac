using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Reeltime.Media;
using Reeltime.Platform;
using Reeltime.Platform.Events;
using Reeltime.Platform.Storage;
using Reeltime.Recommendation;
using Reeltime.Server.Apis;
using Reeltime.Server.Authentication;
using Reeltime.Server.Demo;
using Scalar.AspNetCore;

namespace Reeltime.Server;

/// <summary>Typed server options, validated at start-up.</summary>
public sealed class ServerOptions
{
    /// <summary>The data directory: database, event log and media live here unless configured otherwise.</summary>
    public string Data { get; set; } = "data";

    /// <summary>Sign-in attempts per client address per minute.</summary>
    public int SignInPermitsPerMinute { get; set; } = 20;

    /// <summary>
    /// Event batches per signed-in user per second. A client sends one every few seconds; the limit only
    /// stops a runaway or hostile client from filling the disk.
    /// </summary>
    public int EventBatchesPerSecond { get; set; } = 20;
}

/// <summary>The server's wiring: one extension for services, one for the pipeline.</summary>
public static class ServerSetup
{
    /// <summary>The rate-limit policy of sign-in.</summary>
    public const string SignInRateLimit = "sign-in";

    /// <summary>The rate-limit policy of event batches.</summary>
    public const string EventsRateLimit = "events";

    /// <summary>Room in an upload request for what is not the file: the form's other parts and its boundaries.</summary>
    public const long UploadOverheadBytes = 1024 * 1024;

    /// <summary>The body limit of every other request.</summary>
    public const long MaxRequestBytes = 1024 * 1024;

    /// <summary>The longest request target (path and query) answered: longer ones get a 414 problem document.</summary>
    public const int MaxTargetChars = 8 * 1024;

    /// <summary>The most header bytes (names and values) answered: more get a 431 problem document.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    // Kestrel answers a request head over its own limits with an empty body, before any middleware runs.
    // Its limits sit well above ours, so that what a client can plausibly send reaches RequestHeadLimits and
    // is refused with a problem document; only heads past these get Kestrel's bare answer.
    private const int KestrelRequestLineBytes = 64 * 1024;
    private const int KestrelHeaderBytes = 128 * 1024;

    public static WebApplicationBuilder AddReeltimeServer(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var server = new ServerOptions();
        configuration.Bind(server);
        var data = Path.GetFullPath(server.Data);
        Directory.CreateDirectory(data);

        // The database sits in the data directory unless a connection string says otherwise.
        if (string.IsNullOrWhiteSpace(configuration["Database:Sqlite"]))
        {
            configuration["Database:Sqlite"] = $"Data Source={Path.Combine(data, "reeltime.db")}";
        }

        services.AddSingleton(Options.Create(server));
        services.AddPlatform(configuration);
        services.AddFileEventLog(Path.Combine(data, "events"));
        services.AddMedia(configuration, data);
        services.AddForYouEngine(configuration, data);
        services.AddDemo(configuration, data);
        services.AddOptions<VideoRetentionOptions>().Bind(configuration.GetSection("Videos"))
            .Validate(o => o.DeletedGracePeriod >= TimeSpan.Zero && o.PurgeInterval > TimeSpan.Zero, "Videos:DeletedGracePeriod may not be negative and Videos:PurgeInterval must be positive.")
            .ValidateOnStart();
        services.AddSingleton<VideoPurge>();
        services.AddHostedService(sp => sp.GetRequiredService<VideoPurge>());

        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Extensions.Remove("exception");
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;

            // A query or route value the endpoint could not bind (count=ten) arrives with only the status's name:
            // say which value and what it must be.
            if (c.ProblemDetails.Status == StatusCodes.Status400BadRequest && c.Exception is BadHttpRequestException bad && BindingProblems.Describe(bad.Message) is { } binding)
            {
                c.ProblemDetails.Title = binding.Title;
                c.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [binding.Parameter] = [binding.Title] };
            }

            // A JSON body the endpoint could not read (not JSON, the wrong shape, or a lone surrogate, which the
            // JSON reader refuses before any field is seen) arrives with only the status's name: say what to fix.
            else if (c.ProblemDetails.Status == StatusCodes.Status400BadRequest && c.ProblemDetails.Title == "Bad Request" && c.HttpContext.Request.HasJsonContentType())
            {
                c.ProblemDetails.Title = "The request body could not be read: send JSON of the expected shape, in valid Unicode.";
            }
        });

        // Binding failures throw, so the problem writer sees which parameter failed (otherwise the endpoint
        // answers a bare 400 and the reason goes only to a debug log).
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddAuthentication(SessionAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await Results.Problem(title: "Too many requests. Wait a minute and try again.", statusCode: StatusCodes.Status429TooManyRequests)
                    .ExecuteAsync(context.HttpContext);
            };
            o.AddPolicy(SignInRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "local",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = server.SignInPermitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            // Per user, not per address: many honest viewers share one address behind a carrier's NAT.
            o.AddPolicy(EventsRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? context.Connection.RemoteIpAddress?.ToString() ?? "local",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = server.EventBatchesPerSecond, Window = TimeSpan.FromSeconds(1), QueueLimit = 0 }));
        });
        services.AddOptions<FormOptions>().Configure<IOptions<MediaOptions>>((o, media) => o.MultipartBodyLengthLimit = media.Value.MaxUploadBytes + UploadOverheadBytes);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = MaxRequestBytes;
            k.Limits.MaxRequestLineSize = KestrelRequestLineBytes;
            k.Limits.MaxRequestHeadersTotalSize = KestrelHeaderBytes;
            k.AddServerHeader = false;
        });
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.MaxDepth = 16);
        services.AddOpenApi();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"])
            .AddCheck<MediaHealthCheck>("media", tags: ["ready"]);
        return builder;
    }

    public static async Task<WebApplication> UseReeltimeServerAsync(this WebApplication app)
    {
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await PlatformDatabase.MigrateAsync(scope.ServiceProvider.GetRequiredService<PlatformDbContext>());
        }

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = StatusFor,

            // The client's mistakes are answered, not logged as the server's errors.
            SuppressDiagnosticsCallback = c => StatusFor(c.Exception) is >= 400 and < 500,
        });
        app.UseStatusCodePages();
        app.Use(SecurityHeaders);
        app.Use(RequestHeadLimits);
        app.Use(RequestBodyLimit);
        app.UseAuthentication();
        app.UseMiddleware<CsrfProtection>();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", o => o.WithTitle("Reeltime API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthAnswer.WriteAsync });
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = HealthAnswer.WriteAsync });

        app.MapAuthApi();
        app.MapUsersApi();
        app.MapVideosApi();
        app.MapUploadsApi();
        app.MapFeedsApi();
        app.MapSearchApi();
        app.MapMeApi();
        app.MapEventsApi();
        app.MapFeedbackApi();
        app.MapFallback("/api/{**path}", () => Results.Problem(title: "There is no such API route.", statusCode: StatusCodes.Status404NotFound));
        app.UseWebClient();
        return app;
    }

    // Bad input that reaches an exception (a body that is not JSON, too large a body) is the client's
    // error, not the server's: say so with the right status instead of 500.
    private static int StatusFor(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        System.Text.Json.JsonException => StatusCodes.Status400BadRequest,
        OperationCanceledException => 499,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static Task RequestHeadLimits(HttpContext context, Func<Task> next)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.Path + context.Request.QueryString).ToString();
        if (target.Length > MaxTargetChars)
        {
            return Results.Problem(
                title: string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The address is too long: {target.Length:N0} characters, where at most {MaxTargetChars:N0} are read."),
                statusCode: StatusCodes.Status414UriTooLong).ExecuteAsync(context);
        }

        long headerBytes = 0;
        foreach (var (name, values) in context.Request.Headers)
        {
            headerBytes += name.Length;
            foreach (var value in values)
            {
                headerBytes += value?.Length ?? 0;
            }
        }

        if (headerBytes > MaxHeaderBytes)
        {
            return Results.Problem(
                title: $"The request's headers are too large: {ByteSize.InWords(headerBytes)}, where at most {ByteSize.InWords(MaxHeaderBytes)} are read. Clearing this site's cookies may help.",
                statusCode: StatusCodes.Status431RequestHeaderFieldsTooLarge).ExecuteAsync(context);
        }

        return next();
    }

    // Kestrel enforces the limit while the body streams in; refusing a declared length up front answers
    // sooner, and holds behind any server (a test host, a proxy) that does not enforce the feature itself.
    private static Task RequestBodyLimit(HttpContext context, Func<Task> next)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? MaxRequestBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (limit is { } max && context.Request.ContentLength > max)
        {
            var title = context.GetEndpoint()?.Metadata.GetMetadata<UploadSizeLimit>() is { } upload
                ? UploadTooLargeException.MessageFor(upload.MaxFileBytes)
                : $"The request body is too large; this endpoint takes at most {ByteSize.InWords(max)}.";
            return Results.Problem(title: title, statusCode: StatusCodes.Status413PayloadTooLarge).ExecuteAsync(context);
        }

        return next();
    }

    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        if (!context.Request.Path.StartsWithSegments("/docs", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
        }

        return next();
    }
}

/// <summary>
/// The request-body limit of a route that receives an upload: <c>Media:MaxUploadBytes</c> plus room for the
/// rest of the form, read from the options on each request rather than fixed when the route is mapped.
/// </summary>
internal sealed class UploadSizeLimit(IOptions<MediaOptions> media) : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata
{
    /// <summary>The largest file accepted.</summary>
    public long MaxFileBytes => media.Value.MaxUploadBytes;

    /// <summary>The largest request body accepted.</summary>
    public long? MaxRequestBodySize => MaxFileBytes + ServerSetup.UploadOverheadBytes;

    /// <summary>The limit for routes mapped on <paramref name="app"/>.</summary>
    public static UploadSizeLimit For(IEndpointRouteBuilder app) => new(app.ServiceProvider.GetRequiredService<IOptions<MediaOptions>>());
}

/// <summary>Ready when the database answers.</summary>
internal sealed class DatabaseHealthCheck(PlatformDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy($"{db.Kind} answers.")
            : HealthCheckResult.Unhealthy($"The {db.Kind} database does not answer.");
}

/// <summary>
/// Ready when the data directory, the scratch folders and the object store take a write: a full disk, a
/// read-only mount or lost permissions would otherwise only show as failed uploads.
/// </summary>
internal sealed class StorageHealthCheck(IObjectStore store, Reeltime.Media.Jobs.MediaFolders folders, IOptions<ServerOptions> server) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        foreach (var (folder, what) in new[] { (Path.GetFullPath(server.Value.Data), "data directory"), (folders.UploadFolder, "upload folder"), (folders.WorkFolder, "media scratch folder") })
        {
            if (!await CanWriteAsync(folder, cancellationToken))
            {
                return HealthCheckResult.Unhealthy($"The {what} ({folder}) cannot be written to: check the disk's free space and the server's permissions.");
            }
        }

        // A round trip through the store's own seam, so that the check holds for any store behind it.
        var key = "health/probe-" + Guid.NewGuid().ToString("N");
        try
        {
            await store.PutAsync(key, new MemoryStream("ready"u8.ToArray()), 16, cancellationToken);
            await using var stored = await store.OpenAsync(key, cancellationToken);
            if (stored is null || stored.Length != 5)
            {
                return HealthCheckResult.Unhealthy("The media store does not give back what was written to it.");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy("The media store cannot be written to: check the disk's free space and the server's permissions.");
        }
        finally
        {
            await DeleteQuietlyAsync(key);
        }

        return HealthCheckResult.Healthy("The data directory and the media store take writes.");
    }

    private static async Task<bool> CanWriteAsync(string folder, CancellationToken cancellationToken)
    {
        var probe = Path.Combine(folder, ".ready-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllBytesAsync(probe, "ready"u8.ToArray(), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not written in the first place, which the answer already says.
            }
        }
    }

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await store.DeleteAsync(key, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The put failed, so there is nothing to delete.
        }
    }
}

/// <summary>
/// The health endpoints' JSON: the overall status and, per check, its name, status and description. An
/// exception's message is never written (it may name hosts, paths or worse); the server log has it.
/// </summary>
internal static class HealthAnswer
{
    /// <summary>One check's outcome as a client sees it.</summary>
    public sealed record Check(string Name, string Status, string? Description);

    /// <summary>The whole answer.</summary>
    public sealed record Report(string Status, IReadOnlyList<Check> Checks);

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.Headers.CacheControl = "no-store";
        var checks = report.Entries
            .Select(e => new Check(e.Key, Name(e.Value.Status), e.Value.Exception is null ? e.Value.Description : "The check could not run; the server log says why."))
            .ToList();
        return context.Response.WriteAsJsonAsync(new Report(Name(report.Status), checks), context.RequestAborted);
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

/// <summary>Ready when ffmpeg and ffprobe are there with the encoders the pipeline needs; otherwise says what is missing.</summary>
internal sealed class MediaHealthCheck(Reeltime.Media.Jobs.MediaToolCheck tools) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await tools.ProblemAsync(cancellationToken) is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy("ffmpeg and ffprobe are ready.");
}
