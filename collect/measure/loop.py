"""The loop every framework runner shares: measure each configuration, write its row at once.

A backend (torch_runner.TorchBackend, tf_runner.TFBackend) knows how to build and time a
model; this module owns what must behave the same for all of them: progress, OOM and
unsupported rows, skipping batch sizes that cannot fit, the CSV file and the summary.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from collect.contract.csvio import append_records, results_path
from collect.contract.record import Record, make_record
from collect.measure.suites import Config

log = logging.getLogger("devicebench")


class Unsupported(Exception):
    """The device or framework cannot run this configuration (a row with status=unsupported)."""


class OutOfMemory(Exception):
    """The configuration ran out of memory (a row with status=oom)."""


class Backend(Protocol):
    framework: str
    device_kind: str

    def fingerprint(self) -> dict: ...
    def fits(self, config: Config) -> str | None: ...  # a reason to skip, or None
    def measure(self, config: Config, max_seconds: float) -> dict: ...
    def release(self) -> None: ...


@dataclass
class RunResult:
    path: Path
    records: list[Record] = field(default_factory=list)
    interrupted: bool = False


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


def run_suite(backend: Backend, configs: list[Config], *, env: str, results_dir, max_seconds: float,
              fingerprint: dict, progress: bool = True, run_id: str | None = None) -> RunResult:
    """Measure each configuration in turn; each finished row is in the CSV before the next starts."""
    result = RunResult(results_path(results_dir, env))
    writer = getattr(backend, "writer", True)  # data-parallel runs: rank 0 alone writes
    base = {**fingerprint, **backend.fingerprint(), "env": env, "run_id": run_id or new_run_id(), "source": "measured"}
    too_big: dict[tuple, int] = {}  # (model, mode, precision) -> smallest batch that ran out of memory
    bar = _progress(configs, progress and writer)
    try:
        for config in bar:
            bar.set_description(config.label())
            values = _one(backend, config, max_seconds, too_big)
            fields = {**base, **_config_fields(config), "global_batch_size": config.batch_size}
            record = make_record(**{**fields, "timestamp_utc": now_utc(), **values})
            if writer:
                append_records(result.path, [record])
            result.records.append(record)
            log.info("%s: %s", config.label(), _short(record))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        bar.close()
        backend.release()
    return result


def _one(backend: Backend, config: Config, max_seconds: float, too_big: dict) -> dict:
    key = (config.model, config.mode, config.precision)
    if key in too_big and config.batch_size >= too_big[key]:
        return {"status": "skipped", "note": f"batch {too_big[key]} already ran out of memory"}
    reason = backend.fits(config)
    if reason:
        return {"status": "skipped", "note": reason}
    try:
        return {"status": "ok", **backend.measure(config, max_seconds)}
    except Unsupported as exc:
        return {"status": "unsupported", "note": str(exc)[:300]}
    except OutOfMemory as exc:
        too_big[key] = min(config.batch_size, too_big.get(key, config.batch_size))
        return {"status": "oom", "note": str(exc)[:300]}
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one broken model must not end the run; the row says what happened
        if getattr(backend, "distributed", "none") != "none":
            raise  # a broken world fails loudly: no row from a run whose ranks disagree
        log.debug("".join(traceback.format_exception(exc)))
        return {"status": "error", "note": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        backend.release()


def measured_fields(m, flops_per_sample: int) -> dict:
    """Row fields from a timing.Measurement, the same for every framework."""
    return {"samples_per_s": m.samples_per_s, "step_ms_median": m.median_ms, "step_ms_p10": m.p10_ms,
            "step_ms_p90": m.p90_ms, "step_ms_p99": m.p99_ms, "steps": m.steps, "warmup_steps": m.warmup_steps,
            "compile_s": m.compile_s, "flops_per_sample": float(flops_per_sample),
            "tflops": flops_per_sample * m.samples_per_s / 1e12}


LATENCY_STEPS = 100  # batch-1 inference: enough single requests for a p99 that means something


def is_latency_row(config: Config) -> bool:
    return config.mode == "infer" and config.batch_size == 1 and config.workload != "matmul"


def time_step(backend, config: Config, step, *, sync, max_seconds: float, flops: int, samples_per_step: int | None = None,
              setup=None, agree=None, clock=None) -> tuple[object, dict, list[str]]:
    """measure() with what every backend adds: per-request timing for batch-1 inference, and the energy
    meter around the timed region, kept long enough for the meter. Returns (measurement, row fields, notes)."""
    from collect.measure.timing import measure

    per_step_samples = samples_per_step or config.batch_size
    single = setup is None and agree is None  # energy per sample is only clear when the blocks are all that ran
    meter = getattr(backend, "meter", None) if single else None
    latency = is_latency_row(config)
    m = measure(step, sync=sync, samples_per_step=per_step_samples, max_seconds=max_seconds, setup=setup, agree=agree,
                per_step=latency, min_steps=LATENCY_STEPS if latency else 10, meter=meter,
                min_timed_s=meter.min_window_s if meter else 0.0, **({"clock": clock} if clock else {}))
    fields = {**measured_fields(m, flops), "backend": config.backend}
    notes = noise_notes(m)
    if latency and m.steps < LATENCY_STEPS:
        notes.append(f"p99 from {m.steps} requests only")
    if meter is not None:
        from collect.measure.energy import row_fields

        energy = row_fields(m.energy, meter.method, m.steps * per_step_samples)
        notes += [energy.pop("energy_note")] if energy.get("energy_note") else []
        fields.update(energy)
    elif single and getattr(backend, "energy_method", ""):  # asked for, none readable: say so, never guess
        fields["energy_method"] = "none"
        why = getattr(backend, "energy_why", "")
        notes.append(why if why.startswith("no energy method") else f"no energy method: {why}")
    return m, fields, notes


def noise_notes(m) -> list[str]:
    """torch.utils.benchmark's rule of thumb: a spread above 10% of the median deserves a note."""
    return [f"noisy: IQR/median {m.rel_iqr:.0%}"] if m.rel_iqr > 0.10 else []


REL_ERR_BOUND = 1e-3  # fp32 on an accelerator vs the CPU; beyond this the device computes garbage
REDUCED_REL_ERR_BOUND = 1e-2  # both sides in fp16 / bf16 / tf32: rounding alone reaches 1e-3


def wrong_results(out: dict, device_kind: str, *, against: str = "the CPU", precision: str = "fp32") -> list[str]:
    """Flag a row whose output is off the reference's: status error, its numbers kept as evidence
    (users have seen MPS return garbage while being benchmarked)."""
    bound = REL_ERR_BOUND if precision in ("fp32", "fp64") else REDUCED_REL_ERR_BOUND
    if not out.get("rel_err", 0) > bound:
        return []
    out["status"] = "error"
    return [f"wrong results on {device_kind}: output differs from {against} by {out['rel_err']:.2g} (bound {bound:g})"]


def _config_fields(config: Config) -> dict:
    return {"workload": config.workload, "model": config.model, "mode": config.mode,
            "precision": config.precision, "batch_size": config.batch_size, "backend": config.backend}


def _short(record: Record) -> str:
    if record.status != "ok":
        return f"{record.status} ({record.note})"
    return f"{record.samples_per_s:,.1f} samples/s, step {record.step_ms_median:.2f} ms"


def _progress(configs, enabled: bool):
    try:
        from tqdm.auto import tqdm  # a widget in notebooks, a text bar in terminals
    except ImportError:
        enabled = False
    if not enabled:
        return _Silent(configs)
    return tqdm(configs, unit="config", file=sys.stderr, dynamic_ncols=True)


class _Silent(list):
    def set_description(self, _text):
        pass

    def close(self):
        pass


def summary_table(records: list[Record]) -> str:
    """This run's rows as a fixed-width table for the terminal."""
    head = (f"{'model':<22} {'mode':<14} {'prec':<10} {'backend':<13} {'batch':>5} {'samples/s':>11} "
            f"{'step ms (p10-p90)':>24}  status")
    lines = [head, "-" * len(head)]
    for r in records:
        if r.status == "ok":
            rate, step = f"{r.samples_per_s:,.1f}", f"{r.step_ms_median:.2f} ({r.step_ms_p10:.2f}-{r.step_ms_p90:.2f})"
        else:
            rate, step = "", ""
        lines.append(f"{r.model:<22} {r.mode:<14} {r.precision:<10} {r.backend:<13} {r.batch_size:>5} {rate:>11} {step:>24}  "
                     f"{r.status}{' - ' + r.note if r.note and r.status != 'ok' else ''}")
    return "\n".join(lines)
