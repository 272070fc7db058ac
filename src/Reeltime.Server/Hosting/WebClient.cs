using Microsoft.Extensions.FileProviders;

namespace Reeltime.Server;

/// <summary>
/// Serves the built web client (<c>web/dist</c>): its files, and <c>index.html</c> for every other page path so
/// that the client's router handles deep links. API routes keep their own 404. The server's CSP applies: the
/// build has no inline script.
/// </summary>
public static partial class WebClient
{
    /// <summary>Serves the web client if its build is found; logs how to build it otherwise.</summary>
    public static WebApplication UseWebClient(this WebApplication app)
    {
        var root = Locate(app.Configuration["Web:Root"], app.Environment.ContentRootPath, AppContext.BaseDirectory);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebClient));
        if (root is null)
        {
            NotBuilt(log);
            return app;
        }

        Serving(log, root);
        var files = new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(root),
            OnPrepareResponse = context =>
            {
                // Vite names assets by their content hash, so they never change; the page itself must be revalidated.
                context.Context.Response.Headers.CacheControl = context.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal)
                    ? "public, max-age=31536000, immutable"
                    : "no-cache";
            },
        };
        app.UseStaticFiles(files);
        app.MapFallbackToFile("index.html", files);
        return app;
    }

    /// <summary>The configured folder, or the first <c>web/dist</c> with an index.html above the content root or the binaries.</summary>
    internal static string? Locate(string? configured, params string[] starts)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(Path.Combine(configured, "index.html")) ? Path.GetFullPath(configured) : null;
        }

        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "web", "dist");
                if (File.Exists(Path.Combine(candidate, "index.html")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The web client is not built, so only the API is served. Build it with 'npm ci && npm run build' in web/ (./reeltime run does this).")]
    private static partial void NotBuilt(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the web client from {Root}")]
    private static partial void Serving(ILogger logger, string root);
}
