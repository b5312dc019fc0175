#!/usr/bin/env bash
# What AgentOs.Sdk's analyzers add to a real `dotnet build`: generates a multi-project solution (realistic code, the
# SDK's default analysis level, AgentOs.Sdk referenced as a package consumer sees it: the library plus its analyzers),
# then builds it with --no-incremental, alternating with and without our analyzers, each build its own process
# (--disable-build-servers: no MSBuild node or compiler server survives a build). Reports median and spread of wall
# time per arm, and from the same builds (-p:ReportAnalyzer=true) the analyzer driver's time for each of our rules.
#
#   bench/analyzer-build/measure.sh [--projects P] [--files F] [--pairs N] [--out DIR]
#
# Defaults: 10 projects x 10 files x ~1,000 lines = ~100,000 lines, 6 measured pairs after one warm-up pair.
# Method and figures: bench/README.md ("Analyzer cost in a real build").
set -euo pipefail

projects=10
files=10
pairs=6
out="${TMPDIR:-/tmp}/agentos-analyzer-build"
while [ $# -gt 0 ]; do
  case "$1" in
    --projects) projects="$2"; shift 2 ;;
    --files) files="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "measure.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done

repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

echo "== building AgentOs.Sdk and its analyzers (Release), once"
dotnet build "$repo/src/AgentOs.Sdk/AgentOs.Sdk.csproj" -c Release -v:q -nologo >/dev/null
dotnet build "$repo/analyzers/AgentOs.Sdk.Analyzers/AgentOs.Sdk.Analyzers.csproj" -c Release -v:q -nologo >/dev/null
sdk_dll="$repo/src/AgentOs.Sdk/bin/Release/net10.0/AgentOs.Sdk.dll"
analyzer_dll="$repo/analyzers/AgentOs.Sdk.Analyzers/bin/Release/netstandard2.0/AgentOs.Sdk.Analyzers.dll"
for f in "$sdk_dll" "$analyzer_dll"; do [ -f "$f" ] || { echo "measure.sh: missing $f" >&2; exit 1; }; done

echo "== generating $projects projects x $files files under $out"
rm -rf "$out"
mkdir -p "$out"
"$here/generate.sh" "$out" "$projects" "$files" "$sdk_dll" "$analyzer_dll"
lines=$(cat "$out"/src/*/*.cs | wc -l)
echo "   $lines lines of C#"

# One build: prints wall seconds; the log keeps ReportAnalyzer's tables and the task summary.
build() { # arm log
  local arm="$1" log="$2" start end
  start=$(date +%s.%N)
  if ! dotnet build "$out/Generated.sln" -c Release --no-incremental --disable-build-servers -nologo \
      -p:AgentOsAnalyzers="$arm" -p:ReportAnalyzer=true -v:q -fl "-flp:logfile=$log;verbosity=detailed;performancesummary" \
      >"$log.console" 2>&1; then
    echo "measure.sh: build failed (analyzers=$arm), see $log" >&2; tail -n 30 "$log.console" >&2; exit 1
  fi
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

dotnet restore "$out/Generated.sln" -v:q -nologo >/dev/null
mkdir -p "$out/logs"
echo "== warm-up pair (not counted)"
build true "$out/logs/warmup-on.log" >/dev/null
build false "$out/logs/warmup-off.log" >/dev/null

: >"$out/times-on.txt"; : >"$out/times-off.txt"
for i in $(seq 1 "$pairs"); do
  # ABBA order: drift in machine load falls on both arms alike.
  if [ $((i % 2)) -eq 1 ]; then order="true false"; else order="false true"; fi
  for arm in $order; do
    name=$([ "$arm" = true ] && echo on || echo off)
    t=$(build "$arm" "$out/logs/build-$i-$name.log")
    echo "$t" >>"$out/times-$name.txt"
    printf '   pair %d, analyzers %-3s: %6.2f s\n' "$i" "$name" "$t"
  done
done

"$here/summarize.sh" "$out" "$lines"
