using System.Runtime.InteropServices;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>A file descriptor opened with <see cref="LibC.Open"/>; closed exactly once.</summary>
internal sealed class SafeDirectoryHandle : SafeHandle
{
    public SafeDirectoryHandle(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}
