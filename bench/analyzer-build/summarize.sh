#!/usr/bin/env bash
# Summarizes the builds of measure.sh: median and spread of wall time per arm, and our analyzers' share from
# -p:ReportAnalyzer=true in the builds with analyzers.  Usage: summarize.sh OUT_DIR LINES
set -euo pipefail
out="$1"; lines="$2"

stats() { # file -> "median min max n"
  sort -g "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "0 0 0 0"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.2f %.2f %.2f %d\n", m, v[1], v[NR], NR }'
}

read -r on_med on_min on_max n < <(stats "$out/times-on.txt")
read -r off_med off_min off_max _ < <(stats "$out/times-off.txt")
added=$(echo "scale=2; ($on_med - $off_med) * 100 / $off_med" | bc)

# ReportAnalyzer prints, per project, a table per analyzer assembly and per analyzer type:
#   "      0.123   12       AgentOs.Sdk.Analyzers.Rules.UseAtomicFileForArtifactsAnalyzer (AOS001)"
# Sum each of our analyzers, and every analyzer, over all projects of one build, then take the median over builds.
per_build() { # pattern -> one number (seconds) per "on" build
  for log in "$out"/logs/build-*-on.log; do
    awk -v pat="$1" '$0 ~ pat && $1 ~ /^[0-9.<]+$/ { t = $1; sub("<", "", t); s += t } END { printf "%.3f\n", s }' "$log"
  done
}
csc_per_build() { # the Csc task's total time in the performance summary, seconds
  for log in "$out"/logs/build-*-on.log; do
    # "   130407 ms  Csc    2 calls"
    awk '/Task Performance Summary/ { in_tasks = 1 } in_tasks && $2 == "ms" && $3 == "Csc" { printf "%.3f\n", $1 / 1000; exit }' "$log"
  done
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print 0; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f\n", m }'; }

aos001=$(per_build 'UseAtomicFileForArtifactsAnalyzer' | median)
aos002=$(per_build 'WorkerEntryPointCapturesStateAnalyzer' | median)
aos003=$(per_build 'WorkerEntryPointCanBeStaticAnalyzer' | median)
ours=$(echo "$aos001 + $aos002 + $aos003" | bc)
csc=$(csc_per_build | median)
pct() { if [ "$(echo "$2 > 0" | bc)" -eq 1 ]; then echo "scale=2; $1 * 100 / $2" | bc; else echo "n/a"; fi; }

cat <<REPORT

== Analyzer cost in a real build ($lines lines, $n builds per arm, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))
| arm | median wall (s) | min | max |
|---|---|---|---|
| without AgentOs.Sdk analyzers | $off_med | $off_min | $off_max |
| with AgentOs.Sdk analyzers | $on_med | $on_min | $on_max |

Added to the median build: ${added}% (spread of each arm above: compare it with the difference before trusting it).

ReportAnalyzer, median over the builds with analyzers (analyzer execution time summed over all projects):
| rule | seconds | % of the Csc task time ($csc s) | % of the median build ($on_med s) |
|---|---|---|---|
| AOS001 | $aos001 | $(pct "$aos001" "$csc") | $(pct "$aos001" "$on_med") |
| AOS002 | $aos002 | $(pct "$aos002" "$csc") | $(pct "$aos002" "$on_med") |
| AOS003 | $aos003 | $(pct "$aos003" "$csc") | $(pct "$aos003" "$on_med") |
| all three | $ours | $(pct "$ours" "$csc") | $(pct "$ours" "$on_med") |

Logs: $out/logs (one per build; the ReportAnalyzer tables are in each).
REPORT
