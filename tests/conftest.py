"""Shared builders: valid records and results files, so each test states only what differs; the session's headless
browser; the number of examples a property test draws."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# torchvision imported *after* TensorFlow segfaults (TF 2.21 + torchvision 0.29, seen here);
# the other order works. The runners import one framework per process; the test session holds
# both, so it takes torchvision first when it is installed.
try:
    import torchvision  # noqa: F401
except ImportError:
    pass

from collect.contract.csvio import append_records, results_path  # noqa: E402
from collect.contract.record import make_record  # noqa: E402


def record(**overrides):
    values = dict(env="test-env-cpu", framework="torch", device_kind="cpu", device_name="Test CPU",
                  workload="mlp", model="mlp-d5-w1024", mode="train", precision="fp32", batch_size=64,
                  run_id="run-1", timestamp_utc="2026-11-22T05:00:00+00:00", platform="local",
                  samples_per_s=1000.0, step_ms_median=64.0, step_ms_p10=63.0, step_ms_p90=66.0,
                  steps=20, warmup_steps=3, harness_version="0.1.0")
    values.update(overrides)
    return make_record(**values)


def write(results_dir: Path, env: str, records) -> Path:
    return append_records(results_path(results_dir, env), list(records))


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path, monkeypatch):
    """Every test runs in its own folder: default outputs (results.png, figures/) never land in the repo."""
    monkeypatch.chdir(tmp_path)


_PREVIOUS_TEST = [""]


@pytest.fixture(autouse=True)
def _interrupts_as_a_shell_gives_them(request):
    """Each test starts with SIGINT and SIGTERM delivered, as a terminal gives them. pytest started as a background job
    (`.ci/run &` in a script: the shell starts it with SIGINT ignored) hands that to its xdist workers and to every
    `python -m collect` a test starts, which takes it for nohup and rightly ignores the Ctrl-C the test sends. A test
    that leaves a signal ignored is named in a warning."""
    import signal
    import threading
    import warnings

    if threading.current_thread() is threading.main_thread():
        for sig, default in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, signal.SIG_DFL)):
            if signal.getsignal(sig) is signal.SIG_IGN:
                if _PREVIOUS_TEST[0]:  # not inherited: a test left it so
                    warnings.warn(f"{sig.name} was left ignored by {_PREVIOUS_TEST[0]}; reset", stacklevel=1)
                signal.signal(sig, default)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    _PREVIOUS_TEST[0] = request.node.nodeid
    yield


@pytest.fixture
def results_dir(tmp_path) -> Path:
    folder = tmp_path / "results"
    folder.mkdir()
    return folder


@pytest.fixture
def valid_file(results_dir) -> Path:
    return write(results_dir, "test-env-cpu", [record(), record(run_id="run-2", samples_per_s=1100.0)])


@pytest.fixture
def short_warmup(monkeypatch):
    """Real measurements in this process warm up for 0.2 s at least, not the suite's or Budget's (1 s unless a suite
    says). For the tests of the adapters and the command line: they measure tiny models with --max-seconds 0.2 and
    check what the rows say, not how steady they are; warm-up still runs its steps until they are stable. The 1 s floor
    is test_timing.py's."""
    from collect.measure import step, timing

    assert step.measure is timing.measure, "time_step no longer calls step.measure: short_warmup would change nothing"

    def measure(*args, min_warmup_s: float = 1.0, **kwargs):
        return timing.measure(*args, min_warmup_s=min(min_warmup_s, 0.2), **kwargs)

    monkeypatch.setattr(step, "measure", measure)


# ---- parallel workers ----------------------------------------------------------------------------------------------
# `make test` runs pytest-xdist with `--dist loadgroup` (pyproject.toml): the tests marked xdist_group("name") run in
# one worker, one after the other (torchrun's launches; modules whose expensive fixtures are then built once).
# pytest-xdist 3.8 tells the scheduler a test's group by appending "@name" to its node id, which pytest 9.2's
# structured node ids no longer take (pytest-dev/pytest-xdist#1386): the groups are then silently spread over the
# workers. This appends it where xdist could not; where it could, the id already ends so and nothing changes.
# The workers also take the tests marked slow first (then the rest in their order), so that no worker is left with a
# long one at the end while the other waits.


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    if not getattr(config.option, "loadgroup", False):  # set in xdist's workers under --dist loadgroup
        return
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the same order in every worker
    for item in items:
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(item.nodeid + suffix)
            assert item.nodeid.endswith(suffix), "pytest's node ids changed again: see pytest-dev/pytest-xdist#1386"


# ---- property tests ------------------------------------------------------------------------------------------------
# `make test` draws a bounded number of examples from a fixed seed (the same ones each run, no example database on
# disk); DEVICEBENCH_EXAMPLES=N draws N random examples for every property test instead (the long run, minutes):
#     DEVICEBENCH_EXAMPLES=2000 .venv/bin/python -m pytest -p no:cacheprovider -n auto tests/test_properties.py \
#         tests/test_resave.py tests/test_devices.py tests/test_roofline.py tests/test_standing.py
LONG_EXAMPLES = int(os.environ.get("DEVICEBENCH_EXAMPLES", "0"))
settings.register_profile("devicebench", deadline=None, database=None, derandomize=not LONG_EXAMPLES)
settings.load_profile("devicebench")


def examples(default: int) -> int:
    """How many examples a property test draws: `default` in `make test`, DEVICEBENCH_EXAMPLES when it is set."""
    return LONG_EXAMPLES or default


@pytest.fixture(scope="session")
def shipped(tmp_path_factory) -> Path:
    """The site of the shipped results/, built once per test process for every module that reads it (read-only)."""
    from test_site import build

    return build(ROOT / "results", tmp_path_factory.mktemp("shipped") / "site")


# ---- the headless browser ------------------------------------------------------------------------------------------
# One chromium per test process (per xdist worker), started by the first browser test and shared by the site's test
# modules: each module gets it back at the default window size with no console messages left from the one before.
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WINDOW = (1400, 1000)
NO_BROWSER = ("NO BROWSER: the website's browser tests did NOT run. They need Debian's chromium and chromium-driver "
              f"({CHROMIUM}, {CHROMEDRIVER}: apt-get install chromium chromium-driver; .ci/run installs them) and selenium "
              "(requirements-dev.txt)")


@pytest.fixture(scope="session")
def chromium():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip(NO_BROWSER + ": selenium is not installed")
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip(NO_BROWSER + ": chromium or chromedriver is missing")
    os.environ["SE_AVOID_STATS"] = "true"  # selenium never reaches for the network
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={WINDOW[0]},{WINDOW[1]}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def browser(chromium):
    chromium.get("about:blank")
    chromium.set_window_size(*WINDOW)
    chromium.get_log("browser")  # read, so dropped: a module sees its own console messages only
    return chromium
