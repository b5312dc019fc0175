using System.Runtime.InteropServices;

namespace AgentOs.Sdk.IO.Internal;

/// <summary>A file descriptor opened with <see cref="LibC.Open"/>; closed exactly once.</summary>
internal sealed class SafeDirectoryHandle : SafeHandle
{
    public SafeDirectoryHandle()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => LibC.Close(handle) == 0;
}
