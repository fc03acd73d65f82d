"""What `devicebench submit` would send: one validated results file, described before anything happens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from collect import __version__
from collect.contract.csvio import read_rows

# The columns that describe the machine and its software (everything else is the measurement itself).
FINGERPRINT = ("platform", "device_kind", "device_name", "framework", "framework_version", "os", "python_version",
               "cpu_name", "cpu_count", "ram_gb", "accel_mem_gb", "cuda_version", "cudnn_version", "driver_version",
               "keras_version", "rosetta", "power_source", "harness_version")
LICENCE = "CC BY 4.0 (LICENSE-DATA)"


class SubmitError(Exception):
    """Why submit stopped; nothing was sent."""


@dataclass(frozen=True)
class Submission:
    path: Path
    env: str
    size: int  # bytes
    rows: int
    fingerprint: dict[str, list[str]]  # column -> its distinct non-empty values, in file order
    notes: list[str]  # warnings and review flags of the validation (they do not block)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def destination(self) -> str:
        return f"results/{self.name}"


def inspect(path: str | Path) -> Submission:
    """The file validated exactly as plot_results.py validates it; SubmitError listing the problems if it is not valid."""
    from collect.dataset.loader import load  # pandas: only once there is a file to read, so --help stays light

    path = Path(path)
    if not path.is_file():
        raise SubmitError(f"{path}: no such file")
    loaded = load([path])
    errors = [str(p) for p in loaded.problems if p.level == "error"]
    if errors or loaded.files_bad or not loaded.files_ok:
        raise SubmitError("\n".join([f"{path} is not a valid results file; nothing was sent:", *errors]))
    rows = read_rows(path)
    fingerprint: dict[str, list[str]] = {}
    for column in FINGERPRINT:
        values = [v for v in dict.fromkeys((row.get(column) or "").strip() for row in rows) if v]
        if values:
            fingerprint[column] = values
    env = str(loaded.frame["env"].iloc[0]) if len(loaded.frame) else path.stem.removeprefix("results_")
    notes = [str(p) for p in loaded.problems if p.level != "error"]
    return Submission(path, env, path.stat().st_size, len(rows), fingerprint, notes)


def size_text(size: int) -> str:
    return f"{size:,} bytes" if size < 1024 else f"{size:,} bytes ({size / 1024:.1f} KiB)"


def describe(sub: Submission, branch: str, push_to: str, pull_request_to: str) -> str:
    """The text shown before the question: the file, its size, the machine columns it holds, where it goes."""
    lines = [f"devicebench submit will send exactly one file: {sub.path}",
             f"  as {sub.destination} on a new branch {branch}; {size_text(sub.size)}, {sub.rows} rows, env {sub.env}",
             "  fingerprint columns it holds (every distinct value):"]
    width = max((len(c) for c in sub.fingerprint), default=0)
    for column, values in sub.fingerprint.items():
        lines.append(f"    {column.ljust(width)}  {' | '.join(values)}")
    lines += [f"  pushed to {push_to}, then a pull request to {pull_request_to}",
              "  nothing else: no other file, no other change",
              f"  by sending it you publish it under {LICENCE}"]
    lines += [f"  note: {note}" for note in sub.notes]
    return "\n".join(lines)


def commit_message(sub: Submission) -> str:
    return (f"Add results for {sub.env}\n\n{sub.rows} rows, {size_text(sub.size)}. Sent with `devicebench submit` "
            f"(devicebench {__version__}); published under {LICENCE}.\n")


def pull_request_text(sub: Submission) -> tuple[str, str]:
    """Title and body of the pull request: the template's checks, ticked only where submit made sure of them."""
    devices = ", ".join(sub.fingerprint.get("device_name", [])) or "not stated"
    platforms = ", ".join(sub.fingerprint.get("platform", [])) or "not stated"
    body = "\n".join([
        "## Adding results", "",
        f"- [x] One file per environment: `{sub.destination}`, and nothing else changed (sent by `devicebench submit`)",
        "- [ ] Written by the runner (`devicebench run ...`, `python -m collect ...` or the notebook), not edited by hand",
        "- [x] `devicebench check` passes for this file (validated before sending; CI runs it too)",
        f"- [x] I agree that my results file is published under {LICENCE}, and I have the right to publish it",
        f"- [ ] Machine: {devices} ({platforms}) <!-- add the model, memory, OS: e.g. MacBook Pro 14\" 2021, M1 Max, 64 GB -->",
        "- [ ] Plugged in, nothing heavy running beside the benchmark",
        "- [ ] Command used: <!-- e.g. devicebench run --framework torch --suite default -->", "",
        f"{sub.rows} rows, {size_text(sub.size)}; sent with devicebench {__version__}.",
    ])
    return f"Add results for {sub.env}", body
