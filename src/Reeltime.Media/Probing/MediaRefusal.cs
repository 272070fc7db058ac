namespace Reeltime.Media.Probing;

/// <summary>
/// Why an upload cannot become a video, in words its creator understands. A refusal is permanent: retrying
/// the same file gives the same answer.
/// </summary>
/// <param name="Reason">A sentence for the creator, e.g. "This file is sound only, with no picture: choose a video file."</param>
public sealed record MediaRefusal(string Reason);
