using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Reeltime.Platform.Accounts;

namespace Reeltime.Server.Authentication;

/// <summary>
/// One scheme for both kinds of client: a browser's session cookie or an API client's bearer token; both are
/// the same server-side session, so signing out ends either at once.
/// </summary>
internal sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccountService accounts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Session";
    public const string CookieName = "rt_session";
    public const string CsrfCookieName = "rt_csrf";
    public const string CsrfHeaderName = "X-CSRF-Token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        var viaCookie = false;
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = authorization["Bearer ".Length..].Trim();
        }
        else if (Request.Cookies.TryGetValue(CookieName, out var cookie))
        {
            token = cookie;
            viaCookie = true;
        }

        if (string.IsNullOrEmpty(token))
        {
            return AuthenticateResult.NoResult();
        }

        var session = await accounts.AuthenticateAsync(token, Context.RequestAborted);
        if (session is null)
        {
            return AuthenticateResult.Fail("The session has ended or the token is not valid.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, session.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, session.Username),
                new Claim(SessionClaims.SessionId, session.SessionId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            SchemeName);
        Context.Features.Set(new SessionFeature(session.SessionId, session.UserId, viaCookie, session.CsrfTokenHash));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Results.Problem(title: "Sign in to do this.", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(title: "You may not do this.", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(Context);
    }
}

/// <summary>What the authentication handler learned of the caller's session.</summary>
internal sealed record SessionFeature(long SessionId, long UserId, bool ViaCookie, byte[] CsrfTokenHash);

internal static class SessionClaims
{
    public const string SessionId = "sid";

    /// <summary>The caller's user id, or 0 for a visitor.</summary>
    public static long UserId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : 0;
}

/// <summary>
/// Cookie-authenticated writes must carry the session's CSRF token in a header: a cross-site form cannot set
/// a header, and cannot read the token. Bearer-token clients are not exposed to CSRF and skip the check.
/// </summary>
internal sealed class CsrfProtection(RequestDelegate next)
{
    /// <summary>
    /// navigator.sendBeacon, which browsers guarantee to deliver as a page is hidden, cannot set headers: the
    /// watch telemetry's final flush carries the same token in this query parameter instead. Only for
    /// <c>POST /api/events</c>, whose worst forged outcome (needing the token anyway) is a watch event.
    /// </summary>
    public const string BeaconTokenParameter = "csrf";

    private static bool IsBeacon(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals("/api/events", StringComparison.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        var session = context.Features.Get<SessionFeature>();
        if (session is { ViaCookie: true } && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method))
        {
            var header = context.Request.Headers[SessionAuthenticationHandler.CsrfHeaderName].ToString();
            if (header.Length == 0 && IsBeacon(context.Request))
            {
                header = context.Request.Query[BeaconTokenParameter].ToString();
            }

            if (header.Length == 0 || header.Length > 100 || !CryptographicOperations.FixedTimeEquals(AccountService.Hash(header), session.CsrfTokenHash))
            {
                await Results.Problem(
                    title: "This request lacks a valid CSRF token.",
                    detail: $"Send the value of the '{SessionAuthenticationHandler.CsrfCookieName}' cookie in the '{SessionAuthenticationHandler.CsrfHeaderName}' header.",
                    statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
                return;
            }
        }

        await next(context);
    }
}
