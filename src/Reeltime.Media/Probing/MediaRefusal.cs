namespace Reeltime.Media.Probing;

/// <summary>
/// Why an upload cannot become a video, in words its creator understands. A refusal is permanent: retrying
/// the same file gives the same answer.
/// </summary>
/// <param name="Reason">A sentence for the creator, e.g. "This file has no video stream."</param>
public sealed record MediaRefusal(string Reason);
