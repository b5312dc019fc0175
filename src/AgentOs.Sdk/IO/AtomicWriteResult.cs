namespace AgentOs.Sdk.IO;

/// <summary>What an <see cref="AtomicFile"/> write put on disk, as recorded in its <c>.ok</c> marker.</summary>
/// <param name="Path">The full path of the file written.</param>
/// <param name="Sha256">The SHA-256 of its content, 64 lowercase hex digits.</param>
/// <param name="Size">Its length in bytes.</param>
/// <param name="Timestamp">When it was written (UTC), from <see cref="AtomicWriteOptions.TimeProvider"/>.</param>
/// <param name="OkMarkerPath">The full path of its marker, <c>Path + ".ok"</c>.</param>
public sealed record AtomicWriteResult(string Path, string Sha256, long Size, DateTimeOffset Timestamp, string OkMarkerPath);
