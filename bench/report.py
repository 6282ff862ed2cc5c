"""Figures: one printed line each, and the Markdown section of docs/benchmarks.md for a scale."""

import os
import platform
import re
import statistics
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
INTRO = """# Benchmarks

Written by `make bench` (`SCALE=small` for a quick run, `SCALE=city` for 100k buildings, 1M cases,
100k sites): each section is the latest run at its scale, on the machine it names. Every figure is
measured side by side with its plain baseline in the same run on the same generated data
(`bench/generate.py`, deterministic seed). `ratio` reads as the column says: app ÷ raw for
throughput, baseline ÷ app for times (how many times faster), app ÷ baseline for bytes.
A missed target is reported, not hidden.
"""


def percentile(values, share):
    """Return the share-quantile (0–1) of values by nearest rank, or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def median(values):
    return statistics.median(values) if values else None


@dataclass
class Figure:
    """One measured figure, its baseline, the ratio between them and whether the target is met."""

    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_unit: str | None = None
    ratio: float | None = None
    ratio_label: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    skipped: str | None = None

    def line(self):
        if self.skipped:
            return f"{self.name}: skipped ({self.skipped})"
        parts = [f"baseline: {_fmt(self.baseline)} {self.baseline_unit or self.unit}" if self.baseline is not None
                 else "baseline: —",
                 f"ratio: {_fmt(self.ratio)}{self.ratio_label}" if self.ratio is not None else "ratio: —",
                 f"target: {self.target or '—'}"]
        verdict = "" if self.met is None else (" — met" if self.met else " — MISSED")
        note = f" [{self.note}]" if self.note else ""
        return f"{self.name}: {_fmt(self.value)} {self.unit} ({', '.join(parts)}){verdict}{note}"

    def row(self):
        if self.skipped:
            return f"| {self.name} | skipped: {self.skipped} | | | | |"
        baseline = f"{_fmt(self.baseline)} {self.baseline_unit or self.unit}" if self.baseline is not None else "—"
        ratio = f"{_fmt(self.ratio)}{self.ratio_label}" if self.ratio is not None else "—"
        status = "—" if self.met is None else ("met" if self.met else "**missed**")
        note = f" ({self.note})" if self.note else ""
        return (f"| {self.name} | {_fmt(self.value)} {self.unit} | {baseline} | {ratio} | {self.target or '—'} "
                f"| {status}{note} |")


def _fmt(value):
    if value is None:
        return "—"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3g}"


def machine(pg_version, postgis_version):
    """Return the facts about the machine a run happened on."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        ram = "unknown"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=DOC.parent.parent, check=False).stdout.strip() or "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": ram, "os": platform.platform(),
            "python": platform.python_version(), "postgresql": pg_version, "postgis": postgis_version,
            "commit": commit + " (plus uncommitted work)", "date": datetime.now().astimezone().isoformat(timespec="seconds")}


def section(scale, spec, facts, figures, notes, elapsed_s):
    """Return the Markdown section for one scale's run."""
    lines = [f"<!-- scale:{scale} -->", f"## Scale `{scale}`", "",
             f"{spec.communities} communities, {spec.buildings:,} buildings, {spec.cases:,} cases over one year, "
             f"{spec.sites:,} sites (seed {spec.seed}); the whole run took {elapsed_s / 60:.1f} min.", "",
             "| machine | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in facts.items()]
    lines += ["", "| figure | value | baseline | ratio | target | status |", "|---|---|---|---|---|---|"]
    lines += [f.row() for f in figures]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in notes]
    lines += [f"<!-- /scale:{scale} -->", ""]
    return "\n".join(lines)


def write_doc(scale, text, path=DOC):
    """Replace this scale's section of docs/benchmarks.md (keeping the other scales'), creating the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    current = path.read_text() if path.exists() else INTRO
    pattern = re.compile(rf"<!-- scale:{scale} -->.*?<!-- /scale:{scale} -->\n?", re.S)
    if pattern.search(current):
        current = pattern.sub(lambda _m: text, current)
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)
    return path
