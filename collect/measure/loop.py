"""The loop every framework adapter shares: measure each configuration, write its row at once.

An adapter (collect.measure.adapter.Adapter) knows how to build and time a model; this module owns
what must behave the same for all of them: progress reports, OOM and unsupported rows, skipping batch sizes
that cannot fit, the CSV file and the summary. An interrupt stops the loop between rows (interrupts.deferred).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from collect.contract.csvio import append_records, results_path
from collect.contract.record import CLASSIC, STEADY, Record, make_record, rate_shown
from collect.measure import interrupts
from collect.measure.adapter import Adapter, Budget, OutOfMemory, Unsupported
from collect.measure.progress import Silent
from collect.measure.suites import Config

log = logging.getLogger("devicebench")
NOTE_CHARS = 300  # a failure's note: the first line of the error, not a traceback


@dataclass
class RunResult:
    path: Path
    records: list[Record] = field(default_factory=list)
    interrupted: bool = False


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


def run_suite(adapter: Adapter, configs: list[Config], *, env: str, results_dir, budget: Budget,
              fingerprint: dict, progress=None, run_id: str | None = None, trial: int = 1) -> RunResult:
    """Measure each configuration in turn; each finished row is in the CSV before the next starts. `progress`
    is a Reporter (collect.measure.progress: started / finished per configuration); none or False: silent."""
    result = RunResult(results_path(results_dir, env))
    base = {**fingerprint, **adapter.fingerprint(), "env": env, "run_id": run_id or new_run_id(), "source": "measured",
            "trial": trial}
    too_big: dict[tuple, int] = {}  # (model, mode, precision) -> smallest batch that ran out of memory
    reporter = progress if hasattr(progress, "finished") else Silent()
    try:
        for index, config in enumerate(configs):
            reporter.started(index, config.label())
            values = _one(adapter, config, budget, too_big)
            identity = {"workload": config.workload, "model": config.model, "mode": config.mode,
                        "precision": config.precision, "batch_size": config.batch_size, "backend": config.backend,
                        "global_batch_size": config.batch_size,
                        "protocol": CLASSIC if config.protocol == "classic" else STEADY}
            record = make_record(**{**base, **identity, "timestamp_utc": now_utc(), **values})
            with interrupts.deferred():  # the row is in the file and counted, or neither
                if adapter.writer:  # data-parallel runs: one rank writes for the world
                    append_records(result.path, [record])
                result.records.append(record)
            log.debug("%s: %s", config.label(), _short(record))
            reporter.finished(index, config.label(), record.status, _short(record))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        adapter.release()
    return result


def _one(adapter: Adapter, config: Config, budget: Budget, too_big: dict) -> dict:
    """The row fields of one configuration: its Outcome's, or a status with the reason."""
    key = (config.model, config.mode, config.precision)
    if key in too_big and config.batch_size >= too_big[key]:
        return {"status": "skipped", "note": f"batch {too_big[key]} already ran out of memory"}
    reason = adapter.fits(config)
    if reason:
        return {"status": "skipped", "note": reason}
    try:
        fields = adapter.measure(config, budget).fields()
        return {k: v for k, v in fields.items() if v != "" or k == "note"}  # empty: the Record's own default
    except Unsupported as exc:
        return {"status": "unsupported", "note": str(exc)[:NOTE_CHARS]}
    except OutOfMemory as exc:
        too_big[key] = min(config.batch_size, too_big.get(key, config.batch_size))
        return {"status": "oom", "note": str(exc)[:NOTE_CHARS]}
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one broken model must not end the run; the row says what happened
        if adapter.distributed != "none":
            raise  # a broken world fails loudly: no row from a run whose ranks disagree
        log.debug("".join(traceback.format_exception(exc)))
        return {"status": "error", "note": f"{type(exc).__name__}: {exc}"[:NOTE_CHARS]}
    finally:
        adapter.release()


def _short(record: Record) -> str:
    if record.status != "ok":
        return f"{record.status} ({record.note})"
    value, unit = rate_in_unit(record)
    return f"{value:,.1f} {unit}, step {record.step_ms_median:.2f} ms"


def rate_in_unit(record: Record) -> tuple[float, str]:
    """A row's rate as a reader wants it (record.rate_shown): GB/s for bytes rows, tok/s for tokens, samples/s."""
    return rate_shown(record.samples_per_s, record.rate_unit)


def summary_table(records: list[Record]) -> str:
    """This run's rows as a fixed-width table for the terminal."""
    head = (f"{'model':<22} {'mode':<14} {'prec':<10} {'backend':<13} {'batch':>5} {'rate':>21} "
            f"{'step ms (p10-p90)':>24}  status")
    lines = [head, "-" * len(head)]
    for r in records:
        if r.status == "ok":
            value, unit = rate_in_unit(r)  # each row names its unit: a run mixes samples, tokens and bytes
            rate, step = f"{value:,.1f} {unit}", f"{r.step_ms_median:.2f} ({r.step_ms_p10:.2f}-{r.step_ms_p90:.2f})"
        else:
            rate, step = "", ""
        lines.append(f"{r.model:<22} {r.mode:<14} {r.precision:<10} {r.backend:<13} {r.batch_size:>5} {rate:>21} {step:>24}  "
                     f"{r.status}{' - ' + r.note if r.note and r.status != 'ok' else ''}")
    return "\n".join(lines)
