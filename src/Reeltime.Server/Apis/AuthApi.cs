using Microsoft.AspNetCore.Http.HttpResults;
using Reeltime.Platform.Accounts;
using Reeltime.Server.Authentication;

namespace Reeltime.Server.Apis;

/// <summary>Registration, sign-in and sign-out.</summary>
internal static class AuthApi
{
    public sealed record RegisterRequest(string? Username, string? Password, string? Email, string? Region);

    public sealed record RegisteredUser(long Id, string Username);

    public sealed record LoginRequest(string? Username, string? Password);

    public sealed record LoginResponse(string Token, DateTime ExpiresAt, string CsrfToken);

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/auth").WithTags("Accounts");
        api.MapPost("/register", RegisterAsync).WithName("Register").WithSummary("Creates an account.");
        api.MapPost("/login", LoginAsync).WithName("Login").WithSummary("Signs in: returns a bearer token and sets a session cookie.")
            .RequireRateLimiting(ServerSetup.SignInRateLimit);
        api.MapPost("/logout", LogoutAsync).WithName("Logout").WithSummary("Ends the current session.").RequireAuthorization();
        return app;
    }

    private static async Task<Results<Created<RegisteredUser>, ProblemHttpResult>> RegisterAsync(RegisterRequest request, AccountService accounts, CancellationToken cancellationToken)
    {
        var outcome = await accounts.RegisterAsync(new Registration(request.Username, request.Password, request.Email, request.Region), cancellationToken);
        if (!outcome.Succeeded)
        {
            return Problems.From(outcome.Failure!);
        }

        var user = outcome.Value!;
        return TypedResults.Created($"/api/users/{user.Username}", new RegisteredUser(user.Id, user.Username));
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(LoginRequest request, AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        // The address Kestrel saw (behind a proxy, the forwarded-headers middleware sets it from the proxy's word).
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var outcome = await accounts.SignInAsync(request.Username, request.Password, address, cancellationToken);
        if (!outcome.Succeeded)
        {
            return Problems.From(outcome.Failure!);
        }

        var tokens = outcome.Value!;
        var secure = context.Request.IsHttps;
        context.Response.Cookies.Append(SessionAuthenticationHandler.CookieName, tokens.Token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = secure,
            Path = "/",
            Expires = tokens.ExpiresAt,
            IsEssential = true,
        });

        // Readable by the page's script, which echoes it in the CSRF header; useless to another site.
        context.Response.Cookies.Append(SessionAuthenticationHandler.CsrfCookieName, tokens.CsrfToken, new CookieOptions
        {
            HttpOnly = false,
            SameSite = SameSiteMode.Strict,
            Secure = secure,
            Path = "/",
            Expires = tokens.ExpiresAt,
            IsEssential = true,
        });
        return TypedResults.Ok(new LoginResponse(tokens.Token, tokens.ExpiresAt, tokens.CsrfToken));
    }

    private static async Task<NoContent> LogoutAsync(AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Features.Get<SessionFeature>() is { } session)
        {
            await accounts.SignOutAsync(session.SessionId, cancellationToken);
        }

        context.Response.Cookies.Delete(SessionAuthenticationHandler.CookieName);
        context.Response.Cookies.Delete(SessionAuthenticationHandler.CsrfCookieName);
        return TypedResults.NoContent();
    }
}
