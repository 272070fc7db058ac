using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Reeltime.Platform.Storage;

namespace Reeltime.Platform.Accounts;

/// <summary>Typed options of the accounts feature.</summary>
public sealed class AccountOptions
{
    /// <summary>Data regions users may live in; the first is the default.</summary>
    public List<string> Regions { get; set; } = ["eu"];

    /// <summary>How long a session (cookie or bearer token) lasts.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Failed sign-ins in a row, from one client address, before that address may not try the account for
    /// <see cref="LockoutDuration"/>. The owner at another address is not locked out by someone else's guesses.
    /// </summary>
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>
    /// Failed sign-ins in a row from any addresses before the account itself is locked for <see cref="LockoutDuration"/>:
    /// guessing spread over many addresses is still stopped, at a count no one reaches by mistyping.
    /// </summary>
    public int MaxFailedSignInsPerAccount { get; set; } = 100;

    /// <summary>How long an address, or the account, stays refused after too many failed sign-ins.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>What a new account asks for.</summary>
public sealed record Registration(string? Username, string? Password, string? Email, string? Region);

/// <summary>A new session's secrets, handed to the client once.</summary>
/// <param name="Token">The bearer token (also the cookie's value).</param>
/// <param name="CsrfToken">The token a browser must echo in a header on cookie-authenticated writes.</param>
/// <param name="ExpiresAt">When the session ends.</param>
/// <param name="UserId">Whose session it is.</param>
public sealed record SessionTokens(string Token, string CsrfToken, DateTime ExpiresAt, long UserId);

/// <summary>A session that a token proved.</summary>
public sealed record AuthenticatedSession(long SessionId, long UserId, string Username, byte[] CsrfTokenHash);

/// <summary>The caller's own account.</summary>
public sealed record Me(long Id, string Username, string? DisplayName, string? Bio, string? Email, string Region, bool IsPrivate, bool Personalization, DateTime CreatedAt);

/// <summary>Changes to the caller's own settings; null leaves a setting as it is.</summary>
public sealed record SettingsChange(bool? Personalization, bool? IsPrivate, string? DisplayName, string? Bio);

/// <summary>Registration, sign-in and sessions.</summary>
public sealed class AccountService(PlatformDbContext db, TimeProvider clock, IOptions<AccountOptions> options, SignInFailures failures)
{
    // The platform's own hasher (PBKDF2-SHA512, 100k iterations, versioned format so it can be raised later).
    private static readonly PasswordHasher<UserRecord> Hasher = new();

    // A hash of a random password, verified against when the username is unknown so that timing does not
    // reveal which usernames exist.
    private static readonly string DummyHash = Hasher.HashPassword(null!, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

    private readonly AccountOptions options = options.Value;

    public async Task<Outcome<UserRecord>> RegisterAsync(Registration registration, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (UsernameRules.Check(registration.Username) is { } usernameError)
        {
            errors["username"] = [usernameError];
        }

        if (UsernameRules.CheckPassword(registration.Password, registration.Username) is { } passwordError)
        {
            errors["password"] = [passwordError];
        }

        var region = registration.Region ?? options.Regions[0];
        if (UsernameRules.CheckRegion(region, options.Regions) is { } regionError)
        {
            errors["region"] = [regionError];
        }

        var email = string.IsNullOrWhiteSpace(registration.Email) ? null : registration.Email.Trim();
        if (email is not null && (email.Length > 254 || !System.Net.Mail.MailAddress.TryCreate(email, out _)))
        {
            errors["email"] = ["This is not an email address."];
        }

        if (errors.Count > 0)
        {
            return new Failure(FailureKind.Invalid, errors.Count == 1 ? errors.Values.First()[0] : "The registration has errors.", errors);
        }

        var username = registration.Username!;
        var normalized = UsernameRules.Normalize(username);
        if (await db.Users.AnyAsync(u => u.NormalizedUsername == normalized, cancellationToken))
        {
            return new Failure(FailureKind.Conflict, "This username is taken.");
        }

        var user = new UserRecord
        {
            Username = username,
            NormalizedUsername = normalized,
            Email = email,
            PasswordHash = string.Empty,
            Region = region,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        user.PasswordHash = Hasher.HashPassword(user, registration.Password!);
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Two registrations raced for the same name; the unique index decided.
            db.ChangeTracker.Clear();
            return new Failure(FailureKind.Conflict, "This username is taken.");
        }

        return user;
    }

    /// <param name="username">The username as typed.</param>
    /// <param name="password">The password as typed.</param>
    /// <param name="clientAddress">Where the attempt comes from (failures are counted per account and address).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    public async Task<Outcome<SessionTokens>> SignInAsync(string? username, string? password, string clientAddress, CancellationToken cancellationToken)
    {
        var wrong = new Failure(FailureKind.Unauthorized, "The username or password is wrong.");
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password) || username.Length > UsernameRules.MaxLength || password.Length > UsernameRules.MaxPasswordLength)
        {
            return wrong;
        }

        var normalized = UsernameRules.Normalize(username);
        var user = await db.Users.SingleOrDefaultAsync(u => u.NormalizedUsername == normalized, cancellationToken);
        if (user is null)
        {
            Hasher.VerifyHashedPassword(null!, DummyHash, password);
            return wrong;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var locked = user.LockoutEnd is { } until && until > now ? until - now : failures.LockedFor(user.Id, clientAddress, now);
        if (locked is { } wait)
        {
            var minutes = (int)Math.Ceiling(wait.TotalMinutes);
            return new Failure(FailureKind.LockedOut, $"Too many failed sign-ins. Try again in {minutes} minute{(minutes == 1 ? "" : "s")}.");
        }

        var verdict = Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            failures.Failed(user.Id, clientAddress, now, options.MaxFailedSignIns, options.LockoutDuration);
            user.AccessFailedCount++;
            if (user.AccessFailedCount >= options.MaxFailedSignInsPerAccount)
            {
                user.LockoutEnd = now + options.LockoutDuration;
                user.AccessFailedCount = 0;
            }

            await db.SaveChangesAsync(cancellationToken);
            return wrong;
        }

        failures.Succeeded(user.Id, clientAddress);

        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = Hasher.HashPassword(user, password);
        }

        user.AccessFailedCount = 0;
        user.LockoutEnd = null;
        var token = NewSecret();
        var csrf = NewSecret();
        var session = new SessionRecord
        {
            UserId = user.Id,
            TokenHash = Hash(token),
            CsrfTokenHash = Hash(csrf),
            CreatedAt = now,
            ExpiresAt = now + options.SessionLifetime,
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        return new SessionTokens(token, csrf, session.ExpiresAt, user.Id);
    }

    /// <summary>Finds the live session a token belongs to.</summary>
    public async Task<AuthenticatedSession?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (token.Length is < 20 or > 100)
        {
            return null;
        }

        var hash = Hash(token);
        var now = clock.GetUtcNow().UtcDateTime;
        return await db.Sessions
            .Where(s => s.TokenHash == hash && s.RevokedAt == null && s.ExpiresAt > now)
            .Join(db.Users, s => s.UserId, u => u.Id, (s, u) => new AuthenticatedSession(s.Id, u.Id, u.Username, s.CsrfTokenHash))
            .AsNoTracking()
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Ends a session; its cookie and bearer token stop working at once.</summary>
    public Task SignOutAsync(long sessionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Sessions.Where(s => s.Id == sessionId).ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), cancellationToken);
    }

    public async Task<Outcome<Me>> GetMeAsync(long userId, CancellationToken cancellationToken)
    {
        var me = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new Me(u.Id, u.Username, u.DisplayName, u.Bio, u.Email, u.Region, u.IsPrivate, u.Personalization, u.CreatedAt))
            .SingleOrDefaultAsync(cancellationToken);
        return me is null ? Failure.NotFound("The account") : me;
    }

    public async Task<Outcome<Me>> ChangeSettingsAsync(long userId, SettingsChange change, CancellationToken cancellationToken)
    {
        if (change.DisplayName is { Length: > 64 })
        {
            return Failure.Invalid("displayName", "A display name has at most 64 characters.");
        }

        if (change.Bio is { Length: > 300 })
        {
            return Failure.Invalid("bio", "A bio has at most 300 characters.");
        }

        // A display name is one line; a bio may have line breaks. Neither may carry invalid Unicode or other
        // control characters, which would travel to every client that shows them.
        if (change.DisplayName is not null && (!Videos.CaptionRules.IsWellFormedUtf16(change.DisplayName) || Videos.CaptionRules.HasControlCharacters(change.DisplayName, multiline: false)))
        {
            return Failure.Invalid("displayName", "The display name contains invalid Unicode or control characters.");
        }

        if (change.Bio is not null && (!Videos.CaptionRules.IsWellFormedUtf16(change.Bio) || Videos.CaptionRules.HasControlCharacters(change.Bio, multiline: true)))
        {
            return Failure.Invalid("bio", "The bio contains invalid Unicode or control characters.");
        }

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return Failure.NotFound("The account");
        }

        user.Personalization = change.Personalization ?? user.Personalization;
        user.DisplayName = change.DisplayName is null ? user.DisplayName : NullIfBlank(change.DisplayName);
        user.Bio = change.Bio is null ? user.Bio : NullIfBlank(change.Bio);
        if (change.IsPrivate is { } isPrivate && isPrivate != user.IsPrivate)
        {
            user.IsPrivate = isPrivate;
            if (!isPrivate)
            {
                // Going public accepts everyone who asked.
                var accepted = await db.Follows.Where(f => f.FolloweeId == userId && f.State == FollowState.Pending)
                    .ExecuteUpdateAsync(f => f.SetProperty(x => x.State, FollowState.Accepted), cancellationToken);
                user.FollowerCount += accepted;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return await GetMeAsync(userId, cancellationToken);
    }

    /// <summary>SHA-256 of a secret, as stored.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    private static string NewSecret() => Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? NullIfBlank(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
