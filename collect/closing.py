"""How a run ends: where this machine stands among the other envs in the results folder, and its devicebench score.

Both read the folder once, with this run's rows standing for the env (its older runs left out), and print a few
lines: nothing with --no-summary, nothing where the folder has nothing to compare with.
"""

from __future__ import annotations

import pandas as pd

from collect.contract import scoring


def stack_up(args, env: str, run_id: str) -> None:
    """How this run's configurations rank among the other envs in --results-dir, then its score (or how much of the
    score's set it has measured)."""
    if args.no_summary:
        return
    from collect.dataset.loader import discover, load
    from collect.present import score, site, standing, summary

    frame = load(discover(args.results_dir)).frame
    if frame.empty:
        return
    frame = frame[(frame["env"].astype(str) != env) | (frame["run_id"].astype(str) == run_id)]
    agg = summary.aggregate(frame)
    lines = standing.panel(standing.standings(agg, site.tables.units(frame)), env, where=str(args.results_dir))
    lines += score_lines(score.scores(agg, frame), env)
    if lines:
        print("\n" + "\n".join(lines))


def score_lines(table: pd.DataFrame, env: str) -> list[str]:
    """This env's score per framework and device kind, its rank among the same framework's scored env sides (each
    framework's score divides by its own reference: a torch score is never ranked against a TensorFlow one) and its
    neighbours'; or how many of the set's configurations it has and the command that measures the rest."""
    mine = table[table["env"] == env] if not table.empty else table
    if mine.empty:
        return []
    version = str(mine["version"].iloc[0])
    ref, day = scoring.SETS[version].reference, scoring.SETS[version].defined
    out = [f"devicebench score v{version} ({ref}'s score runs of {day} = {scoring.SCALE:,.0f}; the set: devicebench run "
           "--suite score):"]
    for r in mine.itertuples():
        if r.score != r.score:
            out.append(f"  {r.framework}: {r.measured} of {r.members} measured (missing: {', '.join(r.missing)}): "
                       f"devicebench run --framework {r.framework} --suite score measures the set")
            continue
        done = table[table["score"].notna() & (table["framework"] == r.framework)].reset_index(drop=True)
        at = int(done.index[(done["env"] == env) & (done["framework"] == r.framework) & (done["device_kind"] == r.device_kind)][0])
        parts = [f"  {r.framework}: {r.score:,.0f}" + (f" (range {r.lo:,.0f}-{r.hi:,.0f})" if r.hi - r.lo >= 1 else ""),
                 f"#{at + 1} of {len(done)} {r.framework} scores"]
        if at > 0:
            parts.append(f"above: {done['env'][at - 1]} {done['score'][at - 1]:,.0f}")
        if at + 1 < len(done):
            parts.append(f"below: {done['env'][at + 1]} {done['score'][at + 1]:,.0f}")
        out.append(" · ".join(parts) + (f" · {r.caveats}" if r.caveats else ""))
    return out
