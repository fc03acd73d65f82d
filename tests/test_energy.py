"""Energy meters with fakes: NVML (counter and sampled power), RAPL sysfs, powermetrics' plist stream."""

from __future__ import annotations

import io
import plistlib
import subprocess
import threading
import time
from types import SimpleNamespace

import pytest

from collect.measure import energy, meters
from collect.measure.meters import CounterMeter, Reading, SampledMeter


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeNvml:
    """pynvml's calls: a counter in mJ that advances with the fake clock at `watts`."""

    class NVMLError(Exception):
        pass

    def __init__(self, clock, watts=250.0, energy_counter=True):
        self.clock, self.watts, self.energy_counter = clock, watts, energy_counter
        self.handles = []

    def nvmlInit(self):
        pass

    def nvmlDeviceGetHandleByIndex(self, index):
        self.handles.append(("index", index))
        return index

    def nvmlDeviceGetHandleByPciBusId(self, bus):
        self.handles.append(("pci", bus))
        return bus

    def nvmlDeviceGetHandleByUUID(self, uuid):
        self.handles.append(("uuid", uuid))
        return uuid

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        if not self.energy_counter:
            raise self.NVMLError("Not Supported")
        return int(1_000_000 + self.clock() * self.watts * 1e3)  # mJ since the driver loaded

    def nvmlDeviceGetPowerUsage(self, handle):
        return int(self.watts * 1e3)  # mW


def test_nvml_energy_counter_gives_joules_watts_and_per_sample():
    clock = Clock()
    meter, why = energy.nvml_meter(FakeNvml(clock, watts=250.0), clock=clock)
    assert why is None and meter.method == "nvml_energy"
    assert meter.min_window_s == pytest.approx(1.0)  # ten updates of a 100 ms counter
    meter.start()
    clock.now = 2.0
    reading = meter.stop()
    assert reading.joules == pytest.approx(500.0) and reading.seconds == pytest.approx(2.0)
    row, _note = energy.row_energy(reading, meter.method, samples=1000)
    assert row.power_w == pytest.approx(250.0) and row.j_per_sample == pytest.approx(0.5)
    assert row.method == "nvml_energy"


def test_nvml_falls_back_to_sampled_power_before_volta():
    clock = Clock()
    meter, _ = energy.nvml_meter(FakeNvml(clock, watts=70.0, energy_counter=False), clock=clock)
    assert meter.method == "nvml_power" and isinstance(meter, SampledMeter)


def test_nvml_reads_the_gpu_torch_uses():
    nvml = FakeNvml(Clock())
    energy.nvml_meter(nvml, pci_bus_id="00000000:3B:00.0")
    energy.nvml_meter(nvml, **energy.visible_gpu("2,3"))
    energy.nvml_meter(nvml, **energy.visible_gpu("GPU-8a1b"))
    assert nvml.handles == [("pci", "00000000:3B:00.0"), ("index", 2), ("uuid", "GPU-8a1b")]


def test_nvml_missing_says_why():
    broken = SimpleNamespace(nvmlInit=lambda: (_ for _ in ()).throw(OSError("libnvidia-ml.so.1 not found")))
    meter, why = energy.nvml_meter(broken)
    assert meter is None and "NVML unavailable" in why and "libnvidia-ml" in why


def test_sampled_power_is_integrated_on_a_background_thread():
    seen = []

    def sample():
        seen.append(threading.current_thread().name)
        return 100.0

    meter = SampledMeter("nvml_power", sample, interval_s=0.01, update_s=0.01)
    meter.start()
    time.sleep(0.15)
    reading = meter.stop()
    assert "devicebench-power" in seen  # sampled off the timed thread
    assert reading.joules == pytest.approx(100.0 * reading.seconds, rel=1e-6)


def test_integrate_trapezoid_and_too_few_samples():
    assert meters.integrate([(0.0, 10.0), (1.0, 30.0), (2.0, 30.0)], update_s=0.05).joules == pytest.approx(50.0)
    assert meters.integrate([(0.0, 10.0)], update_s=0.05).joules is None


def test_short_window_is_marked_approximate():
    clock = Clock()
    meter, _ = energy.nvml_meter(FakeNvml(clock), clock=clock)
    meter.start()
    clock.now = 0.3  # three updates of a 100 ms counter
    reading = meter.stop()
    assert "energy approximate: 300 ms window" in reading.note


def test_counter_that_did_not_move_gives_no_figure():
    meter = CounterMeter("nvml_energy", lambda: [5.0], scale=1e-3, update_s=0.1, clock=Clock())
    meter.start()
    reading = meter.stop()
    assert reading.joules is None and "did not advance" in reading.note
    row, note = energy.row_energy(reading, "nvml_energy", samples=10)
    assert row.power_w == "" and row.method == "nvml_energy" and "did not advance" in note


def make_rapl(root, packages=((1_000_000, 262_143_328_850),)):
    for i, (value, wrap) in enumerate(packages):
        zone = root / f"intel-rapl:{i}"
        zone.mkdir(parents=True)
        (zone / "energy_uj").write_text(f"{value}\n")
        (zone / "max_energy_range_uj").write_text(f"{wrap}\n")
        (zone / "name").write_text(f"package-{i}\n")
        sub = root / f"intel-rapl:{i}:0"  # a sub-zone (core): part of the package, not counted twice
        sub.mkdir()
        (sub / "energy_uj").write_text("0\n")
    return root


def test_rapl_sums_packages_and_handles_wrap(tmp_path):
    root = make_rapl(tmp_path / "powercap", packages=((900_000, 1_000_000), (5_000_000, 262_143_328_850)))
    clock = Clock()
    meter, why = energy.rapl_meter(str(root), clock=clock)
    assert why is None and meter.method == "rapl" and "intel-rapl:0, intel-rapl:1" in meter.note
    meter.start()
    (root / "intel-rapl:0" / "energy_uj").write_text("100000\n")  # wrapped: 900,000 -> 1,000,000 -> 0 -> 100,000
    (root / "intel-rapl:1" / "energy_uj").write_text("7000000\n")
    (root / "intel-rapl:0:0" / "energy_uj").write_text("999999999\n")
    clock.now = 1.0
    reading = meter.stop()
    assert reading.joules == pytest.approx(0.2 + 2.0)


def test_rapl_unreadable_or_absent_says_so(tmp_path, monkeypatch):
    meter, why = energy.rapl_meter(str(tmp_path / "nothing"))
    assert meter is None and "RAPL not present" in why
    root = make_rapl(tmp_path / "powercap")
    real = energy.Path.read_text

    def root_only(path, *args, **kwargs):  # energy_uj is 0400 root on most distributions
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(energy.Path, "read_text", root_only)
    meter, why = energy.rapl_meter(str(root))
    assert meter is None and "RAPL not readable (Permission denied" in why


def plist_sample(combined_mw=None, cpu=0.0, gpu=0.0, elapsed_ns=100_000_000):
    proc = {"cpu_power": cpu, "gpu_power": gpu, "ane_power": 0.0}
    if combined_mw is not None:
        proc["combined_power"] = combined_mw
    return plistlib.dumps({"elapsed_ns": elapsed_ns, "processor": proc})


def test_powermetrics_plist_is_parsed():
    assert energy.parse_powermetrics(plist_sample(combined_mw=12_000.0)) == (12.0, 0.1)
    assert energy.parse_powermetrics(plist_sample(cpu=3000.0, gpu=5000.0)) == (8.0, 0.1)
    assert energy.parse_powermetrics(b"not a plist") is None


class FakePopen:
    """powermetrics -f plist: NUL-separated plist documents on stdout."""

    def __init__(self, clock, samples):
        self.clock, self.samples = clock, samples
        self.command, self.terminated = None, False

    def __call__(self, command, **kwargs):
        self.command = command
        self.stdout = self
        self._left = list(self.samples)
        return self

    def read1(self, _n):
        if not self._left:
            return b""
        self.clock.now += 0.1
        return self._left.pop(0) + b"\0"

    def terminate(self):
        self.terminated = True


def test_powermetrics_meter_averages_samples_and_says_it_is_an_estimate():
    clock = Clock()
    popen = FakePopen(clock, [plist_sample(combined_mw=20_000.0)] * 20)
    meter = energy.PowermetricsMeter(popen, clock=clock)
    meter.start()
    meter._thread.join()
    reading = meter.stop()
    assert popen.command[:3] == ["sudo", "-n", "powermetrics"] and popen.terminated
    assert reading.joules / reading.seconds == pytest.approx(20.0)
    assert "estimate" in reading.note


def test_powermetrics_needs_macos_and_sudo():
    assert energy.powermetrics_meter(platform="linux")[0] is None
    refused = lambda *a, **k: subprocess.CompletedProcess(a, 1)  # noqa: E731
    meter, why = energy.powermetrics_meter(run=refused, platform="darwin")
    assert meter is None and "sudo" in why
    allowed = lambda *a, **k: subprocess.CompletedProcess(a, 0)  # noqa: E731
    assert energy.powermetrics_meter(popen=io.BytesIO, run=allowed, platform="darwin")[0].method == "powermetrics"


def test_choose_picks_by_device_and_never_guesses(tmp_path, monkeypatch):
    monkeypatch.setattr(energy.sys, "platform", "linux")
    assert energy.choose("none", "cpu") == (None, "")
    meter, why = energy.choose("auto", "cpu", rapl_root=str(tmp_path / "none"))
    assert meter is None and "RAPL" in why
    meter, _ = energy.choose("auto", "cpu", rapl_root=str(make_rapl(tmp_path / "pc")))
    assert meter.method == "rapl"
    meter, _ = energy.choose("auto", "cuda", nvml_kwargs={"nvml": FakeNvml(Clock())})
    assert meter.method == "nvml_energy"
    assert "powermetrics" in energy.choose("auto", "mps")[1]  # opt-in only
    with pytest.raises(ValueError, match=r"`energy` must be one of \('auto', 'none', 'nvml', 'rapl', 'powermetrics'\)"):
        energy.choose("tdp", "cpu")


def test_row_without_reading():
    assert energy.row_energy(None, "none", 10) == (energy.Energy("none"), "")
    assert energy.row_energy(Reading(None, 1.0, "x"), "rapl", 10) == (energy.Energy("rapl"), "x")
