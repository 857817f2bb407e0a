#!/usr/bin/env python3
"""Run every benchmark script, one after the other, and print one summary table (``make bench``).

Each script runs in its own process with its own output streamed as it comes.
Scripts built on ``_common.summary`` report their headline figures through the
file named by ``GROWATTWEB_BENCH_SUMMARY``; for the others the headline lines
are read from their output. A script this file does not know yet still runs and
shows up with its exit status.

    .venv/bin/python benchmarks/run_all.py                # everything, about 30 minutes
    .venv/bin/python benchmarks/run_all.py --quick        # shorter runs of the long ones
    .venv/bin/python benchmarks/run_all.py --only ingest,web_load
    .venv/bin/python benchmarks/run_all.py --write-doc    # also put the table into docs/PERFORMANCE.md
                                                          # (only the rows of the scripts that ran change)

Exit status 0 when every script ran and every target was met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as bench  # noqa: E402

HERE = Path(__file__).resolve().parent
DOC = bench.ROOT / "docs" / "PERFORMANCE.md"
START_MARK, END_MARK = "<!-- bench-summary:start -->", "<!-- bench-summary:end -->"

# Known scripts in the order they run (cheap and independent first); any other
# benchmarks/*.py runs after them. Options for --quick.
ORDER = ["simulator_throughput", "client_overhead", "sync_efficiency", "ingest", "dashboard", "web_load",
         "sync_scale", "soak"]
QUICK = {
    "sync_scale": ["--backfill-days", "2"],
    "web_load": ["--seconds", "20"],
    "soak": ["--hours", "6", "--no-lockout"],
    "dashboard": ["--iterations", "100"],
    "sync_efficiency": ["--hours", "6"],
}


# --------------------------------------------------------------------------------------
# Headlines of scripts that print rather than call _common.summary
# --------------------------------------------------------------------------------------


def _search(pattern: str, text: str):
    return re.search(pattern, text, re.MULTILINE)


def from_sync_efficiency(out: str) -> list[dict]:
    rows = []
    if m := _search(r"requests per plant per cycle after the first.*?:\s*([\d.]+)", out):
        verdict = _search(r"^targets .*: (MET|NOT MET)", out)
        rows.append(row("sync_efficiency", "requests per plant per cycle (steady)", m.group(1),
                        "<= 2 per hybrid plant", verdict and verdict.group(1) == "MET",
                        "Home Assistant pattern 8 per cycle"))
    if m := _search(r"^logins: (\d+) over ([\d.]+) h with (\d+)", out):
        rows.append(row("sync_efficiency", f"logins over {m.group(2)} h", m.group(1),
                        f"<= {int(m.group(3)) + 1}", int(m.group(1)) <= int(m.group(3)) + 1,
                        f"Home Assistant pattern {2 * 12 * float(m.group(2)):.0f}"))
    return rows


def from_simulator_throughput(out: str) -> list[dict]:
    rate, p95 = _search(r"requests/s\s+([\d.]+)", out), _search(r"p95 latency\s+([\d.]+ ms)", out)
    target = _search(r"target\s+(>= [\d.]+ req/s): (OK|BELOW TARGET)", out)
    if not rate:
        return []
    value = f"{rate.group(1)} ({p95.group(1) if p95 else '?'})"
    met = None if not target else target.group(2) == "OK"
    return [row("simulator_throughput", "simulator requests/s (p95)", value, target.group(1) if target else "-", met,
                "-")]


def from_dashboard(out: str) -> list[dict]:
    m = _search(r"Worst p95 of the pages and chart endpoints: ([\d.]+) ms \((meets|MISSES)", out)
    if not m:
        return []
    return [row("dashboard", "worst p95, pages and chart endpoints (in-process)", f"{m.group(1)} ms", "< 50 ms",
                m.group(2) == "meets", "-")]


def from_soak(out: str) -> list[dict]:
    m = _search(r"^all targets (MET|NOT MET)", out)
    if not m:
        return []
    missing = _search(r"missing\D*(\d+)", out)
    value = "all targets " + m.group(1) + (f" ({missing.group(0)})" if missing else "")
    return [row("soak", "samples lost, duplicates, logins under faults", value, "none lost", m.group(1) == "MET",
                "-")]


EXTRACTORS = {"sync_efficiency": from_sync_efficiency, "simulator_throughput": from_simulator_throughput,
              "dashboard": from_dashboard, "soak": from_soak}


def row(benchmark, figure, value, target, met, baseline) -> dict:
    verdict = "n/a" if met is None else "met" if met else "MISSED"
    return {"benchmark": benchmark, "figure": figure, "value": value, "target": target, "baseline": baseline,
            "verdict": verdict}


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------


def scripts() -> list[str]:
    found = sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_") and p.stem != "run_all")
    return [name for name in ORDER if name in found] + [name for name in found if name not in ORDER]


def run_script(name: str, quick: bool, timeout: float) -> tuple[int, float, list[dict]]:
    summary_file = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".jsonl")[1])
    cmd = [sys.executable, str(HERE / f"{name}.py"), *(QUICK.get(name, []) if quick else [])]
    print(f"\n{'=' * 100}\n$ {' '.join(cmd[1:])}\n{'=' * 100}", flush=True)
    started = time.monotonic()
    output: list[str] = []
    proc = subprocess.Popen(cmd, cwd=bench.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, bench.SUMMARY_ENV: str(summary_file), "PYTHONUNBUFFERED": "1"})
    try:
        for line in proc.stdout:
            sys.stdout.write(line)
            output.append(line)
            if time.monotonic() - started > timeout:
                proc.kill()
                output.append(f"run_all: stopped after {timeout:.0f} s\n")
                break
        code = proc.wait(timeout=60)
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=60)
        raise
    elapsed = time.monotonic() - started
    text = "".join(output)
    rows = [json.loads(line) for line in summary_file.read_text().splitlines() if line.strip()]
    summary_file.unlink(missing_ok=True)
    if not rows and name in EXTRACTORS:
        rows = EXTRACTORS[name](text)
    if not rows:
        rows = [row(name, "exit status", str(code), "0", code == 0, "-")]
    if code not in (0, 1):  # 1 is "a target was missed"; anything else is a crash
        rows.append(row(name, "script failed", f"exit {code}", "0", False, "-"))
    return code, elapsed, rows


def table(results: list[tuple]) -> tuple[list[str], list[list]]:
    headers = ["benchmark", "figure", "value", "target", "baseline (same run)", "verdict", "run time", "run at (load)"]
    rows = []
    for name, _code, elapsed, figures, when in results:
        for n, figure in enumerate(figures):
            rows.append([name if n == 0 else "", figure["figure"], figure["value"], figure["target"],
                         figure["baseline"] or "-", figure["verdict"], f"{elapsed:.0f} s" if n == 0 else "",
                         when if n == 0 else ""])
    return headers, rows


def markdown_row(values) -> str:
    return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"


def doc_groups(block: str) -> dict[str, list[str]]:
    """The table rows already in the doc's block, grouped by benchmark (its name is in the first row only)."""
    groups: dict[str, list[str]] = {}
    current = None
    for line in block.splitlines():
        if not line.startswith("| ") or line.startswith("| benchmark |"):
            continue
        first = line[2:].split(" | ", 1)[0].strip()
        current = first or current
        if current:
            groups.setdefault(current, []).append(line)
    return groups


def write_doc(headers: list[str], rows: list[list], ran: list[str], header_line: str) -> None:
    """Replace the rows of the benchmarks that ran; keep the others' latest rows."""
    content = DOC.read_text() if DOC.exists() else ""
    if START_MARK not in content or END_MARK not in content:
        print(f"\n{DOC.relative_to(bench.ROOT)} has no {START_MARK} ... {END_MARK} block; table not written")
        return
    before, rest = content.split(START_MARK, 1)
    block, after = rest.split(END_MARK, 1)
    groups = {name: lines for name, lines in doc_groups(block).items() if name not in ran}
    new_groups = doc_groups("\n".join(markdown_row(r) for r in rows))
    groups.update(new_groups)
    order = scripts() + sorted(set(groups) - set(scripts()))
    lines = [header_line, "", markdown_row(headers), "|" + "---|" * len(headers)]
    lines += [line for name in order for line in groups.get(name, [])]
    DOC.write_text(f"{before}{START_MARK}\n" + "\n".join(lines) + f"\n{END_MARK}{after}")
    print(f"\nupdated the summary table in {DOC.relative_to(bench.ROOT)} ({', '.join(ran)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated script names (default: all)")
    parser.add_argument("--skip", default="", help="comma-separated script names to leave out")
    parser.add_argument("--quick", action="store_true", help="shorter runs of the long benchmarks")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per script")
    parser.add_argument("--write-doc", action="store_true", help="replace the summary table in docs/PERFORMANCE.md")
    args = parser.parse_args()

    names = scripts()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = set(wanted) - set(names)
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(names)}")
        names = [n for n in names if n in wanted]
    names = [n for n in names if n not in {s.strip() for s in args.skip.split(",")}]

    results = []
    for name in names:
        started = dt.datetime.now(dt.UTC)
        code, elapsed, rows = run_script(name, args.quick, args.timeout)
        when = f"{started:%Y-%m-%d %H:%M} UTC{' --quick' if args.quick else ''} ({os.getloadavg()[0]:.1f})"
        results.append((name, code, elapsed, rows, when))

    headers, rows = table(results)
    header_line = (f"Machine: {bench.machine()}, PostgreSQL {safe_pg_version()}, Redis on loopback. Each "
                   "benchmark's rows are from its latest run (*run at*, with the 1-minute load average at its "
                   "end: the machine is shared, and a high load makes the timings pessimistic).")
    print(f"\n{'=' * 100}\nSummary\n{'=' * 100}\n{header_line}\n")
    bench.print_table(headers, rows)
    ok = all(r[1] == 0 for r in results) and all(r[5] != "MISSED" for r in rows)
    print(f"\n{'every target met' if ok else 'some targets missed or scripts failed: see the rows marked MISSED'}")
    if args.write_doc:
        write_doc(headers, rows, [r[0] for r in results], header_line)
    return 0 if ok else 1


def safe_pg_version() -> str:
    try:
        return bench.postgres_version()
    except Exception as exc:  # the summary still prints without PostgreSQL
        return f"unknown ({type(exc).__name__})"


if __name__ == "__main__":
    sys.exit(main())
