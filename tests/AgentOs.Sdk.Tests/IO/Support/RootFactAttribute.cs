namespace AgentOs.Sdk.Tests.IO.Support;

/// <summary>
/// A test that needs root (to mount a tmpfs, or to drop to another user). It runs in CI, which is root; elsewhere it is
/// skipped with the stated reason. xunit 2 has no dynamic skip, so the attribute decides when the tests are discovered.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute(string why)
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = $"Linux only: {why}";
        }
        else if (!Environment.IsPrivilegedProcess)
        {
            Skip = $"Needs root: {why}";
        }
    }
}
