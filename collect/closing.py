"""How a run ends: where this machine stands among the other envs in the results folder, and its devicebench score.

Both read the folder once and print a few lines: nothing with --no-summary, nothing where the folder has nothing to
compare with. Where it stands: this run's rows stand for the env (its older runs left out). The score: this run's
rows, and the env's older rows of the configurations this run did not measure, so a run that adds the score's
missing members (the command the closing lines give) completes the score of the runs before it.
"""

from __future__ import annotations

import pandas as pd

from collect.contract import scoring
from collect.contract.record import TRIAL_KEY


def stack_up(args, env: str, run_id: str) -> None:
    """How this run's configurations rank among the other envs in --results-dir, then the env's score (or how much of
    the score's set it has measured, and the command that adds the rest)."""
    if args.no_summary:
        return
    from collect.dataset.loader import discover, load
    from collect.present import site, standing, summary

    frame = load(discover(args.results_dir)).frame
    if frame.empty:
        return
    envs = frame["env"].astype(str)
    this_run = frame[(envs != env) | (frame["run_id"].astype(str) == run_id)]
    lines = standing.panel(standing.standings(summary.aggregate(this_run), site.tables.units(this_run)), env,
                           where=str(args.results_dir))
    lines += env_score_lines(latest(frame, env, run_id), env)
    if lines:
        print("\n" + "\n".join(lines))


def latest(frame: pd.DataFrame, env: str, run_id: str | None = None) -> pd.DataFrame:
    """The folder's rows with env's rows narrowed to its latest word on each configuration: run_id's rows (default:
    the env's most recent run) and, for configurations that run did not measure, the most recent run that did."""
    mine = frame["env"].astype(str) == env
    if not mine.any():
        return frame
    rows = frame[mine]
    if run_id is None:
        run_id = str(rows["run_id"].astype(str).iloc[_newest(rows)])
    runs = rows["run_id"].astype(str)
    # each configuration's (record.TRIAL_KEY's) newest run: this run where it measured it, else the newest timestamp's
    ranked = rows[list(TRIAL_KEY)].astype(str).assign(_run=runs, _this=runs == run_id, _at=rows["timestamp_utc"].astype(str))
    ranked = ranked.sort_values(["_this", "_at"], kind="stable")
    newest = ranked.groupby(list(TRIAL_KEY), sort=False)["_run"].transform("last").reindex(rows.index)
    keep = (runs == newest).to_numpy()
    return pd.concat([frame[~mine], rows[keep]])


def _newest(rows: pd.DataFrame) -> int:
    """The position of the row with the latest timestamp (as text: ISO 8601 sorts as time; a categorical column
    would sort by its categories' order)."""
    return int(rows["timestamp_utc"].astype(str).to_numpy().argmax())


def env_score_lines(frame: pd.DataFrame, env: str) -> list[str]:
    """The score lines (score_lines) of env from a loaded frame (latest() already applied where wanted)."""
    from collect.present import score, summary

    return score_lines(score.scores(summary.aggregate(frame), frame), env)


def missing_command(framework: str, missing: list[str], env: str, version: str = scoring.CURRENT) -> str:
    """The one command that measures the missing members of env's score (and at most a few configurations more:
    --models and --modes narrow the score suite as a product)."""
    members = [m for m in scoring.SETS[version].members if m.key in missing]
    models = ",".join(dict.fromkeys(model for m in members for model in m.models))
    modes = ",".join(dict.fromkeys(m.mode for m in members))
    return f"devicebench run --framework {framework} --suite score --models {models} --modes {modes} --env {env}"


def score_lines(table: pd.DataFrame, env: str) -> list[str]:
    """This env's score per framework and device kind, its rank among the same framework's scored env sides (each
    framework's score divides by its own reference: a torch score is never ranked against a TensorFlow one) and its
    neighbours'; or which of the set's members it lacks and the one command that adds them."""
    mine = table[table["env"] == env] if not table.empty else table
    if mine.empty:
        return []
    version = str(mine["version"].iloc[0])
    ref, day = scoring.SETS[version].reference, scoring.SETS[version].defined
    out = [f"devicebench score v{version} ({ref}'s score runs of {day} = {scoring.SCALE:,.0f}; the set: devicebench run "
           "--suite score):"]
    labels = {m.key: m.label for m in scoring.SETS[version].members}
    for r in mine.itertuples():
        if r.score != r.score:
            out.append(f"  {r.framework}: no score yet, {r.measured} of {r.members} members measured; missing: "
                       f"{'; '.join(labels.get(k, k) for k in r.missing)}")
            out.append(f"    to add them: {missing_command(r.framework, list(r.missing), env, version)}")
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


def build_parser():
    import argparse

    from collect.contract import cli_args

    p = argparse.ArgumentParser(prog="devicebench score", formatter_class=cli_args.HelpFormatter, description=(
        "Print an env's devicebench score per framework from the results folder: its range over the trials, its rank "
        "among the same framework's scores and its neighbours; or which members of the score's set it lacks and the "
        "one command that adds them. Each configuration counts the env's most recent run that measured it. Reads "
        "only; writes nothing."))
    p.add_argument("--results-dir", default="results", help="folder of results_<env>.csv files")
    p.add_argument("--env", help="the env to score (default: the env of the most recently measured row in the folder)")
    return p


def main(argv: list[str] | None = None) -> int:
    """`devicebench score`: the score lines of one env, the last lines `make bench` prints."""
    from collect.contract import cli_args
    from collect.dataset.loader import discover, load

    args = build_parser().parse_args(cli_args.arguments(argv))
    loaded = load(discover(args.results_dir))
    for problem in loaded.problems:
        print(problem)
    frame = loaded.frame
    measured = frame[frame["source"].astype(str) == "measured"] if not frame.empty else frame
    if measured.empty:
        print(f"devicebench score: no measured rows in {args.results_dir}: run `devicebench run --suite score` first")
        return 1
    env = args.env or str(measured["env"].astype(str).iloc[_newest(measured)])
    lines = env_score_lines(latest(frame, env), env)
    if not lines:
        known = sorted(set(measured["env"].astype(str)))
        print(f"devicebench score: {env} has no row of the score's set in {args.results_dir}"
              + ("" if env in known else f" (envs there: {', '.join(known[:10])}{' ...' if len(known) > 10 else ''})"))
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
