using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentOs.Sdk.Diagnostics;

namespace AgentOs.Sdk.Benchmarks;

/// <summary>
/// What an OpenTelemetry SDK does when it exports AgentOs.Sdk: a <see cref="MeterListener"/> on every instrument of the
/// meter (measurements aggregated into a running sum) and an <see cref="ActivityListener"/> that records every span.
/// </summary>
internal sealed class TelemetryListeners : IDisposable
{
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private long _count;
    private double _sum;

    public TelemetryListeners()
    {
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AgentOsInstruments.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((_, value, _, _) => { _count++; _sum += value; });
        _meters.SetMeasurementEventCallback<double>((_, value, _, _) => { _count++; _sum += value; });
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AgentOsInstruments.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _count += activity.TagObjects.Count(),
        };
        ActivitySource.AddActivityListener(_activities);
    }

    /// <summary>Keeps the callbacks' work observable so that it is not optimised away.</summary>
    public double Observed => _sum + _count;

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }
}
