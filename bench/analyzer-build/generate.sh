#!/usr/bin/env bash
# Generates the solution measure.sh builds: OUT/Generated.sln with PROJECTS class libraries of FILES files each (about
# 1,000 lines a file: ordinary service code with loops, LINQ, string building, async file reads, records), and, spread
# thinly as in an application, the candidates our rules look at: calls named Create/Open on user types in every class,
# an artifact write in 1 class of 4 (AOS001), a FileStream in 1 of 8, a static worker call in 1 of 20 and a capturing
# one in 1 of 40 (AOS002, AOS003). AgentOs.Sdk is referenced as a package gives it: the library, and its analyzers
# unless -p:AgentOsAnalyzers=false. Our warnings stay warnings (the build must not stop on them).
#   generate.sh OUT PROJECTS FILES SDK_DLL ANALYZER_DLL
set -euo pipefail
out="$1"; projects="$2"; files="$3"; sdk_dll="$4"; analyzer_dll="$5"
mkdir -p "$out/src"

cat >"$out/Directory.Build.props" <<PROPS
<Project>
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <LangVersion>latest</LangVersion>
    <!-- The SDK's default analysis: AnalysisLevel and AnalysisMode are left as a new project has them. -->
    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
    <NoWarn>\$(NoWarn);CS1591</NoWarn>
    <AgentOsAnalyzers Condition="'\$(AgentOsAnalyzers)' == ''">true</AgentOsAnalyzers>
  </PropertyGroup>
  <ItemGroup>
    <Reference Include="AgentOs.Sdk" HintPath="$sdk_dll" />
    <Analyzer Include="$analyzer_dll" Condition="'\$(AgentOsAnalyzers)' == 'true'" />
  </ItemGroup>
</Project>
PROPS

write_class() { # name index
  local name="$1" index="$2" writes="" stream="" static_worker="" capturing_worker=""
  if [ $((index % 4)) -eq 0 ]; then writes='
    public void SaveReport(string runId, string json)
    {
        // An artifact written in place: AOS001.
        File.WriteAllText(Path.Combine(ArtifactsRoot, runId + ".json"), json);
        // Not artifacts: an append-only log and a scratch file.
        File.AppendAllText(Path.Combine(Root, "logs", "run.log"), json);
        File.WriteAllText(Path.Combine(Root, "tmp", "scratch.txt"), json);
    }
'; fi
  if [ $((index % 8)) -eq 1 ]; then stream='
    public void SaveCheckpoint(int step, byte[] state)
    {
        var dir = Path.Combine(Root, "checkpoints");
        using var stream = new FileStream(Path.Combine(dir, $"step-{step}.bin"), FileMode.Create);
        stream.Write(state);
    }
'; fi
  if [ $((index % 20)) -eq 2 ]; then static_worker='
    public Task<IReadOnlyList<WorkerResult>> RunStatic(int workers)
        => WorkerPool.RunAsync(workers, static (ctx, ct) => Task.FromResult(ctx.WorkerId));
'; fi
  if [ $((index % 40)) -eq 3 ]; then capturing_worker='
    public Task<IReadOnlyList<WorkerResult>> RunCapturing(int workers, string queue)
        => WorkerPool.RunAsync(workers, (ctx, ct) => Task.FromResult(queue.Length + ctx.WorkerId));
'; fi
  cat <<CLASS
public sealed class $name
{
    private static readonly string ArtifactsRoot = Path.Combine(AppContext.BaseDirectory, "artifacts");
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _log = new();
    private int _total;

    public $name(string root) => Root = root;

    public string Root { get; }

    public int Count(IEnumerable<string> words)
    {
        foreach (var word in words)
        {
            _counts[word] = _counts.TryGetValue(word, out var n) ? n + 1 : 1;
            _total++;
        }

        return _counts.Where(pair => pair.Value > 1).Select(pair => pair.Key.Length).Sum();
    }

    public string Describe(int limit)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < limit; i++)
        {
            builder.Append(i % 3 == 0 ? "fizz" : i.ToString(CultureInfo.InvariantCulture));
            if (i % 5 == 0)
            {
                builder.Append(',');
            }
        }

        return \$"{Root}: {builder} ({_total} words)";
    }

    public async Task<int> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        var lines = text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToList();
        _log.Add(\$"loaded {lines.Count} lines from {path}");
        return lines.Count;
    }
$writes$stream
    public ${name}Widget Build(int size) => ${name}Widget.Create(size, _log.Count);

    public int Open(int value) => ${name}Widget.Open(value).Size;
$static_worker$capturing_worker
    public List<string> Normalize(IEnumerable<string> items, int width)
    {
        var result = new List<string>();
        foreach (var item in items.Where(i => !string.IsNullOrWhiteSpace(i)).OrderBy(i => i, StringComparer.Ordinal))
        {
            var trimmed = item.Trim();
            result.Add(trimmed.Length > width ? trimmed[..width] : trimmed.PadRight(width));
        }

        return result;
    }

    public Dictionary<int, List<string>> GroupByLength(IEnumerable<string> items)
        => items.GroupBy(i => i.Length).ToDictionary(g => g.Key, g => g.OrderBy(s => s, StringComparer.Ordinal).ToList());

    public async Task<int> AggregateAsync(int[] values)
    {
        var tasks = values.Select(v => Task.Run(() => v * 2)).ToArray();
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return results.Sum() + values.Count(v => v % 2 == 0);
    }
}

public sealed record ${name}Widget(int Size, int Weight)
{
    public static ${name}Widget Create(int size, int weight) => new(size, weight);

    public static ${name}Widget Open(int size) => new(size, 0);
}

CLASS
}

for p in $(seq 0 $((projects - 1))); do
  dir="$out/src/Module$p"
  mkdir -p "$dir"
  printf '<Project Sdk="Microsoft.NET.Sdk" />\n' >"$dir/Module$p.csproj"
  for f in $(seq 0 $((files - 1))); do
    {
      printf 'using System;\nusing System.Collections.Generic;\nusing System.Globalization;\nusing System.IO;\nusing System.Linq;\nusing System.Text;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing AgentOs.Sdk.IO;\nusing AgentOs.Sdk.Workers;\n\nnamespace Generated.Module%d.File%d;\n\n' "$p" "$f"
      for c in $(seq 0 10); do
        index=$(( (p * files + f) * 11 + c ))
        write_class "Service${p}_${f}_$c" "$index"
      done
    } >"$dir/File$f.cs"
  done
done

( cd "$out" && dotnet new sln -n Generated --format sln -o . >/dev/null && dotnet sln Generated.sln add src/*/*.csproj >/dev/null )
