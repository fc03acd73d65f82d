"""Repeated measurements (`--repeat N`): rounds in fresh processes, and the verdict on their spread.

One timed window cannot tell a steady machine from one that swings (benchmarking-rules 8a: within a
process, windows agree for tens of seconds and then jump; separate processes settle at different levels).
So each round measures every configuration once, round-robin, in a new `python -m collect` process
(collect.measure.launch); every row is a trial of its own under one run_id, and configurations whose trials disagree by more than
record.UNSTEADY_RATIO are noted `unsteady` on each of their rows.
"""

from __future__ import annotations

from pathlib import Path

from collect.contract.csvio import annotate_run, read_rows
from collect.contract.record import TRIAL_KEY, UNSTEADY_RATIO, rate_shown

CONFIG_KEY = TRIAL_KEY  # what makes two rows of one run trials of one configuration


def unsteady_notes(rows: list[dict]) -> dict[tuple, str]:
    """For each configuration whose ok trials disagree by more than UNSTEADY_RATIO (fastest / slowest
    samples/s): its note, keyed by CONFIG_KEY values."""
    rates: dict[tuple, list[float]] = {}
    units: dict[tuple, str] = {}
    for row in rows:
        if row.get("status") == "ok" and row.get("samples_per_s") not in ("", None):
            key = tuple(str(row.get(k, "")) for k in CONFIG_KEY)
            rates.setdefault(key, []).append(float(row["samples_per_s"]))
            units[key] = str(row.get("rate_unit") or "")
    out = {}
    for key, values in rates.items():
        low, high = min(values), max(values)
        if len(values) > 1 and low > 0 and high / low > UNSTEADY_RATIO:
            (shown_low, unit), (shown_high, _) = rate_shown(low, units[key]), rate_shown(high, units[key])
            out[key] = f"unsteady: trials {_fmt(shown_low)}-{_fmt(shown_high)} {unit}"
    return out


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def conclude(path: Path, run_id: str) -> tuple[list[dict], dict[tuple, str]]:
    """After the last round: this run's rows from its file, and the unsteady notes, now also on those rows."""
    rows = [r for r in read_rows(path) if r.get("run_id") == run_id] if path.exists() else []
    notes = unsteady_notes(rows)
    if notes:
        annotate_run(path, run_id, lambda row: notes.get(key_of(row), ""))
        rows = [r for r in read_rows(path) if r.get("run_id") == run_id]
    return rows, notes


def key_of(row: dict) -> tuple:
    return tuple(str(row.get(k, "")) for k in CONFIG_KEY)


def table(rows: list[dict], notes: dict[tuple, str]) -> str:
    """The run's configurations, one line each: median rate of the ok trials (samples/s; tok/s, GB/s where the rows
    count tokens or bytes), their range and count."""
    head = f"{'model':<22} {'mode':<14} {'prec':<10} {'backend':<13} {'batch':>5} {'rate':>15} {'trials (range)':>26}"
    lines, seen = [head, "-" * len(head)], {}
    for row in rows:
        seen.setdefault(key_of(row), []).append(row)
    for key, group in seen.items():
        first = group[0]
        unit = rate_shown(1.0, first.get("rate_unit", ""))[1]
        ok = sorted(rate_shown(r["samples_per_s"], r.get("rate_unit", ""))[0] for r in group
                    if r.get("status") == "ok" and r.get("samples_per_s"))
        median = ok[len(ok) // 2] if len(ok) % 2 else (sum(ok[len(ok) // 2 - 1:len(ok) // 2 + 1]) / 2 if ok else 0.0)
        spread = f"{len(ok)} of {len(group)} ({_fmt(ok[0])}-{_fmt(ok[-1])})" if ok else f"0 of {len(group)}"
        # the range is in its column; what `unsteady` means is said once, under the table (advice)
        status = "  unsteady" if key in notes else ("" if ok else f"  {first.get('status')}: {first.get('note', '')}")
        lines.append(f"{first['model']:<22} {first['mode']:<14} {first['precision']:<10} {first['backend']:<13} "
                     f"{first['batch_size']:>5} {(_fmt(median) + ' ' + unit if ok else ''):>15} {spread:>26}{status}")
    return "\n".join(lines)


def advice(notes: dict[tuple, str]) -> str:
    """Said once under the table where trials disagree: what it means and what to try."""
    if not notes:
        return ""
    n = len(notes)
    which = "1 configuration" if n == 1 else f"{n} configurations"
    return (f"\nThe trials of {which} disagree by more than {(UNSTEADY_RATIO - 1) * 100:.0f}%: this machine's speed "
            "changed while it measured (other programs, power saving, heat), so those rows carry an `unsteady` note.\n"
            "For steadier numbers: close other programs, plug in the power, and run again with --repeat 5.")
