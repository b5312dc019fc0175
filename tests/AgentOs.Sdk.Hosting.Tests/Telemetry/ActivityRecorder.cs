using System.Collections.Concurrent;
using System.Diagnostics;
using AgentOs.Sdk.Diagnostics;

namespace AgentOs.Sdk.Hosting.Tests.Telemetry;

/// <summary>An <see cref="ActivityListener"/> on the <c>AgentOs.Sdk</c> source that keeps every stopped span.</summary>
internal sealed class ActivityRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public ActivityRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AgentOsInstruments.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The stopped spans named <paramref name="name"/> whose tag <paramref name="tag"/> is <paramref name="value"/> (spans are process-wide: filter by something the test owns).</summary>
    public IReadOnlyList<Activity> Stopped(string name, string tag, object? value) =>
        _stopped.Where(a => a.OperationName == name && Equals(a.GetTagItem(tag), value)).ToList();

    public IReadOnlyList<Activity> Stopped(string name) => _stopped.Where(a => a.OperationName == name).ToList();

    public void Dispose() => _listener.Dispose();
}
