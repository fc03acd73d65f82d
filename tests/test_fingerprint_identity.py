"""Every measured row records exactly what ran: the CPU's generation and ISA (envinfo.fingerprint over fake OSes), the
host's DMI product, the math-library path of torch and TensorFlow (parsed from real build texts), and the CUDA
GPU's capability, units, power limit and clock (fake torch, TensorFlow and NVML modules: no GPU here)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_cpus import GRAVITON3, ZEN3_VM, fake_run, mac

from collect.contract import cpus
from collect.contract.record import FIELDS
from collect.frameworks.tensorflow import device as tdv
from collect.measure import cpuinfo, envinfo, gpuinfo
from collect.measure import loop as runner
from collect.measure.adapter import Budget
from collect.measure.outcome import Outcome, Stats
from collect.measure.suites import Config

IDENTITY = ("cpu_vendor", "cpu_family", "cpu_model", "cpu_stepping", "cpu_arch", "cpu_isa", "host_product")
ROOT = Path(__file__).resolve().parent.parent


def linux(tmp_path, cpuinfo_text, product=None):
    info, dmi = tmp_path / "cpuinfo", tmp_path / "product_name"
    info.write_text(cpuinfo_text)
    if product is not None:
        dmi.write_text(product)
    return envinfo.fingerprint("Linux", run=fake_run({}), cpuinfo_path=str(info), dmi_path=str(dmi))


# --- envinfo.fingerprint ---------------------------------------------------------------------------------------------


def test_fingerprint_of_a_zen3_vm(tmp_path):
    fp = linux(tmp_path, ZEN3_VM, "Google Compute Engine\n")
    assert fp["cpu_name"] == "AMD EPYC Processor"
    assert {k: fp[k] for k in IDENTITY} == dict(cpu_vendor="AuthenticAMD", cpu_family=25, cpu_model=1, cpu_stepping=1,
                                               cpu_arch="Zen 3", cpu_isa="avx avx2 fma", host_product="Google Compute Engine")
    assert set(fp) <= set(FIELDS)


def test_fingerprint_of_a_graviton(tmp_path):
    fp = linux(tmp_path, GRAVITON3, "c7g.2xlarge")
    assert (fp["cpu_vendor"], fp["cpu_model"], fp["cpu_arch"], fp["host_product"]) == ("ARM", 0xD40, "Neoverse V1", "c7g.2xlarge")
    assert cpus.isa_tier(fp["cpu_isa"]) == "SVE"


def test_fingerprint_of_a_mac():
    run = mac("Apple M2 Pro", neon="1", dotprod="1", bf16="1", i8mm="1")
    fp = envinfo.fingerprint("Darwin", run=run)
    assert fp["cpu_name"] == "Apple M2 Pro" and fp["rosetta"] == "no"
    assert {k: fp[k] for k in IDENTITY} == dict(cpu_vendor="Apple", cpu_family="", cpu_model="", cpu_stepping="",
                                               cpu_arch="M2 Pro", cpu_isa="neon bf16 i8mm dotprod", host_product="Mac15,9")


@pytest.mark.parametrize("written, recorded", [
    ("c7i.2xlarge\n", "c7i.2xlarge"), ("  Standard PC (Q35 + ICH9, 2009)  \n", "Standard PC (Q35 + ICH9, 2009)"),
    ("ThinkPad X1 Carbon Gen 11\n", "ThinkPad X1 Carbon Gen 11"),
    ("To Be Filled By O.E.M.\n", ""), ("System Product Name\n", ""), ("Default string\n", ""), ("Not Specified", ""),
    ("\n", ""), (None, ""),  # None: no DMI file (containers, Arm boards)
])
def test_dmi_product_name(tmp_path, written, recorded):
    dmi = tmp_path / "product_name"
    if written is not None:
        dmi.write_text(written)
    assert cpuinfo.host_product("Linux", fake_run({}), dmi_path=str(dmi)) == recorded
    assert cpuinfo.host_product("Windows", fake_run({}), dmi_path=str(dmi)) == ""


@pytest.mark.skipif(not os.path.exists("/proc/cpuinfo"), reason="needs a Linux /proc/cpuinfo")
def test_this_machines_fingerprint_agrees_with_its_cpuinfo():
    fp = envinfo.fingerprint()
    parsed = cpus.parse_cpuinfo(Path("/proc/cpuinfo").read_text())
    assert fp["cpu_vendor"] == parsed["vendor"] and fp["cpu_isa"] == parsed["isa"]
    assert fp["cpu_model"] == parsed["model"] and fp["cpu_arch"]  # "unknown" at worst, never empty on Linux


# --- torch's math library ---------------------------------------------------------------------------------------------

# This machine's torch 2.14.1 (PyPI's CUDA wheel), abridged: the lines that count, in their order.
TORCH_X86 = """PyTorch built with:
  - GCC 13.3
  - C++ Version: 202002
  - Intel(R) oneAPI Math Kernel Library Version 2024.2-Product Build 20240605 for Intel(R) 64 architecture applications
  - Intel(R) MKL-DNN v3.12.0 (Git Hash 80afa71049cd69a3df32adcccb623b12cd7baa22)
  - OpenMP 201511 (a.k.a. OpenMP 4.5)
  - LAPACK is enabled (usually provided by MKL)
  - NNPACK is enabled
  - CPU capability usage: AVX512
  - Build settings: BLAS_INFO=mkl, BUILD_TYPE=Release, CUDA_VERSION=13.0, CUDNN_VERSION=9.24.0, LAPACK_INFO=mkl, \
PERF_WITH_AVX=1, PERF_WITH_AVX2=1, TORCH_VERSION=2.14.1, USE_CUDA=1, USE_MKL=ON, USE_MKLDNN=ON, USE_NNPACK=ON,
"""
# PyPI's aarch64 wheel (torch 2.2): OpenBLAS, oneDNN (with Arm Compute Library), no AVX.
TORCH_AARCH64 = """PyTorch built with:
  - GCC 10.2
  - C++ Version: 201703
  - Intel(R) MKL-DNN v3.3.2 (Git Hash 2dc95a2ad0841e29db8b22fbccaf3e5da7992b01)
  - OpenMP 201511 (a.k.a. OpenMP 4.5)
  - LAPACK is enabled (usually provided by MKL)
  - NNPACK is enabled
  - CPU capability usage: NO AVX
  - Build settings: BLAS_INFO=open, BUILD_TYPE=Release, LAPACK_INFO=open, USE_MKL=OFF, USE_MKLDNN=ON, USE_OPENMP=ON,
"""
TORCH_MAC = """PyTorch built with:
  - GCC 4.2
  - C++ Version: 201703
  - clang 15.0.0
  - LAPACK is enabled (usually provided by MKL)
  - NNPACK is enabled
  - CPU capability usage: NO AVX
  - Build settings: BLAS_INFO=accelerate, BUILD_TYPE=Release, LAPACK_INFO=accelerate, USE_MKL=OFF, USE_MKLDNN=OFF,
"""
# torch 1.1 (2019): "BLAS=MKL" before BLAS_INFO, MKL-DNN 0.x; and a from-source build with Eigen for BLAS.
TORCH_2019 = """PyTorch built with:
  - Intel(R) Math Kernel Library Version 2019.0.3 Product Build 20190125 for Intel(R) 64 architecture applications
  - Intel(R) MKL-DNN v0.18.1 (Git Hash 7de7e5d02bf687f971e7668963649728356e0c20)
  - Build settings: BLAS=MKL, BUILD_TYPE=Release, USE_MKL=ON, USE_MKLDNN=ON,
"""
TORCH_EIGEN = """PyTorch built with:
  - CPU capability usage: NO AVX
  - Build settings: BUILD_TYPE=Release, USE_EIGEN_FOR_BLAS=ON, USE_MKL=OFF, USE_MKLDNN=OFF,
"""


@pytest.mark.torch
@pytest.mark.parametrize("text, capability, onednn, enabled, expected", [
    (TORCH_X86, "AVX512", True, True, "cpu_capability=AVX512; blas=mkl; onednn=3.12.0"),
    (TORCH_X86, "AVX2", True, True, "cpu_capability=AVX2; blas=mkl; onednn=3.12.0"),  # ATEN_CPU_CAPABILITY=avx2: runtime wins
    (TORCH_X86, "AVX512", True, False, "cpu_capability=AVX512; blas=mkl; onednn=3.12.0 (disabled)"),
    (TORCH_AARCH64, "SVE256", True, True, "cpu_capability=SVE256; blas=openblas; onednn=3.3.2"),
    (TORCH_MAC, "DEFAULT", False, True, "cpu_capability=DEFAULT; blas=accelerate; onednn=unavailable"),
    (TORCH_MAC, "", None, True, "cpu_capability=NO AVX; blas=accelerate"),  # the build text's capability as a fallback
    (TORCH_2019, "", True, True, "blas=mkl; onednn=0.18.1"),
    (TORCH_EIGEN, "DEFAULT", None, True, "cpu_capability=DEFAULT; blas=eigen"),
    ("PyTorch built with:\n  - oneDNN v3.7.1 (Git Hash abc)\n", "AVX2", True, True, "cpu_capability=AVX2; onednn=3.7.1"),
    ("", "", True, True, "onednn=on"),
    ("", "", None, True, ""),
])
def test_torch_math_library_text(text, capability, onednn, enabled, expected):
    pytest.importorskip("torch")
    from collect.frameworks.torch import device as td

    assert td.describe_math(text, capability, onednn, enabled) == expected


@pytest.mark.torch
def test_torch_math_library_asks_the_runtime():
    torch = pytest.importorskip("torch")
    from collect.frameworks.torch import device as td

    api = SimpleNamespace(__config__=SimpleNamespace(show=lambda: TORCH_X86), backends=SimpleNamespace(
        cpu=SimpleNamespace(get_cpu_capability=lambda: "AVX2"), mkldnn=SimpleNamespace(is_available=lambda: True, enabled=True)))
    assert td.math_library(api) == "cpu_capability=AVX2; blas=mkl; onednn=3.12.0"
    assert td.math_library(SimpleNamespace()) == ""  # an API without any of it: an empty cell, no error
    real = td.math_library()
    assert real.startswith(f"cpu_capability={torch.backends.cpu.get_cpu_capability()}; blas=")


# --- NVML and the accelerator's identity --------------------------------------------------------------------------------


class FakeNVML:
    """pynvml's calls, with its SM clock constant: a GPU capped at `limit_mw`, boosting to `clock` MHz."""

    NVML_CLOCK_GRAPHICS, NVML_CLOCK_SM = 0, 1

    def __init__(self, limit_mw=400_000, clock=1410, fail=()):
        self.limit_mw, self.clock, self.fail, self.calls = limit_mw, clock, set(fail), []

    def _call(self, name, value=None):
        self.calls.append(name)
        if name in self.fail:
            raise RuntimeError(f"NVMLError_NotSupported: {name}")
        return value

    def nvmlInit(self):
        return self._call("init")

    def nvmlShutdown(self):
        return self._call("shutdown")

    def nvmlDeviceGetHandleByIndex(self, index):
        return self._call(f"index {index}", ("gpu", index))

    def nvmlDeviceGetHandleByPciBusId(self, bus):
        return self._call(f"pci {bus}", ("gpu", bus))

    def nvmlDeviceGetHandleByUUID(self, uuid):
        return self._call(f"uuid {uuid}", ("gpu", uuid))

    def nvmlDeviceGetEnforcedPowerLimit(self, handle):
        return self._call("power", self.limit_mw)

    def nvmlDeviceGetMaxClockInfo(self, handle, clock_type):
        return self._call("clock", self.clock if clock_type == self.NVML_CLOCK_SM else 99999)


def test_nvml_limits_of_the_target_gpu():
    nvml = FakeNVML(limit_mw=250_000, clock=1410)
    assert gpuinfo.nvml_limits(nvml, pci_bus_id="00000000:3B:00.0") == {"accel_power_limit_w": 250.0, "accel_clock_mhz": 1410.0}
    assert nvml.calls == ["init", "pci 00000000:3B:00.0", "power", "clock", "shutdown"]
    nvml = FakeNVML(limit_mw=149_500)
    assert gpuinfo.nvml_limits(nvml, uuid="GPU-1234")["accel_power_limit_w"] == 149.5
    assert "uuid GPU-1234" in nvml.calls
    nvml = FakeNVML()
    gpuinfo.nvml_limits(nvml, index=2)
    assert nvml.calls[:2] == ["init", "index 2"]


@pytest.mark.parametrize("fail, expected", [
    (("power",), {"accel_clock_mhz": 1410.0}),  # a GPU that reports no power limit keeps its clock
    (("clock",), {"accel_power_limit_w": 400.0}),
    (("init",), {}),  # no driver
    (("index 0",), {}),  # no such device
])
def test_nvml_limits_leave_what_nvml_does_not_say_empty(fail, expected):
    assert gpuinfo.nvml_limits(FakeNVML(fail=fail)) == expected


def fake_torch(capability=(8, 0), units=108):
    props = SimpleNamespace(total_memory=40 * 2**30, multi_processor_count=units)
    return SimpleNamespace(
        __version__="2.14.1+cu130", version=SimpleNamespace(cuda="13.0"),
        cuda=SimpleNamespace(get_device_name=lambda i: "NVIDIA A100-SXM4-40GB", get_device_capability=lambda i: capability,
                             get_device_properties=lambda i: props),
        backends=SimpleNamespace(cudnn=SimpleNamespace(version=lambda: 91002),
                                 cpu=SimpleNamespace(get_cpu_capability=lambda: "AVX512"),
                                 mkldnn=SimpleNamespace(is_available=lambda: True, enabled=True)),
        __config__=SimpleNamespace(show=lambda: TORCH_X86),
        get_num_threads=lambda: 8, get_float32_matmul_precision=lambda: "highest")


@pytest.mark.torch
def test_torch_cuda_row_names_capability_units_power_and_clock():
    pytest.importorskip("torch")
    from collect.frameworks.torch import device as td

    nvml = FakeNVML(limit_mw=400_000, clock=1410)
    fp = td.device_fingerprint("cuda", fake_torch((8, 0), 108), run=fake_run({}), nvml=nvml,
                               target={"pci_bus_id": "00000000:07:00.0"})
    assert (fp["accel_capability"], fp["accel_units"], fp["accel_power_limit_w"], fp["accel_clock_mhz"]) == ("8.0", 108, 400.0, 1410.0)
    assert "pci 00000000:07:00.0" in nvml.calls
    assert "math_library" not in fp  # a GPU row's math runs in cuBLAS / cuDNN: cudnn_version says which
    t4 = td.device_fingerprint("cuda", fake_torch((7, 5), 40), run=fake_run({}), nvml=FakeNVML(fail=("init",)))
    assert (t4["accel_capability"], t4["accel_units"]) == ("7.5", 40) and "accel_power_limit_w" not in t4
    assert set(fp) <= set(FIELDS)


@pytest.mark.torch
def test_torch_cpu_and_mps_rows():
    pytest.importorskip("torch")
    from collect.frameworks.torch import device as td

    cpu = td.device_fingerprint("cpu", fake_torch(), run=fake_run({}))
    assert cpu["math_library"] == "cpu_capability=AVX512; blas=mkl; onednn=3.12.0" and "accel_units" not in cpu
    run = fake_run({"sysctl -n machdep.cpu.brand_string": "Apple M3 Max",
                    "system_profiler SPDisplaysDataType": "Chipset Model: Apple M3 Max\n  Total Number of Cores: 40\n"})
    mps = td.device_fingerprint("mps", fake_torch(), run=run)
    assert mps["accel_units"] == 40 and mps["device_name"] == "Apple M3 Max (40-core GPU)"


# --- TensorFlow's oneDNN and GPU ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("enabled, environ, version, system, machine, expected", [
    (True, {}, "2.21.0", "Linux", "x86_64", "onednn=on (TF_ENABLE_ONEDNN_OPTS unset: the default)"),
    (False, {"TF_ENABLE_ONEDNN_OPTS": "0"}, "2.21.0", "Linux", "x86_64", "onednn=off (TF_ENABLE_ONEDNN_OPTS=0)"),
    (False, {}, "2.16.2", "Darwin", "arm64", "onednn=off (TF_ENABLE_ONEDNN_OPTS unset: the default)"),
    # TF without IsMklEnabled: the variable decides, else TF's default (on from 2.9 on x86-64 Linux)
    (None, {}, "2.21.0", "Linux", "x86_64", "onednn=on (TF_ENABLE_ONEDNN_OPTS unset: the default)"),
    (None, {}, "2.8.4", "Linux", "x86_64", "onednn=off (TF_ENABLE_ONEDNN_OPTS unset: the default)"),
    (None, {}, "2.15.0", "Windows", "AMD64", "onednn=off (TF_ENABLE_ONEDNN_OPTS unset: the default)"),
    (None, {"TF_ENABLE_ONEDNN_OPTS": "1"}, "2.15.0", "Windows", "AMD64", "onednn=on (TF_ENABLE_ONEDNN_OPTS=1)"),
    (None, {"TF_ENABLE_ONEDNN_OPTS": "false"}, "2.21.0", "Linux", "x86_64", "onednn=off (TF_ENABLE_ONEDNN_OPTS=false)"),
])
def test_tensorflow_onednn_text(enabled, environ, version, system, machine, expected):
    assert tdv.describe_onednn(enabled, environ, version=version, system=system, machine=machine) == expected


def test_tensorflow_asks_its_own_is_mkl_enabled():
    def importer(answer):
        def load(name):
            assert name == "tensorflow.python.util._pywrap_util_port"
            if answer is None:
                raise ImportError(name)
            return SimpleNamespace(IsMklEnabled=lambda: answer)
        return load

    tf = SimpleNamespace(__version__="2.21.0")
    env = {"TF_ENABLE_ONEDNN_OPTS": "1"}
    assert tdv.mkl_enabled(importer(False)) is False and tdv.mkl_enabled(importer(None)) is None
    assert tdv.math_library(tf, env, importer(False)) == "onednn=off (TF_ENABLE_ONEDNN_OPTS=1)"  # TF's answer wins
    assert tdv.math_library(tf, env, importer(None)) == "onednn=on (TF_ENABLE_ONEDNN_OPTS=1)"


@pytest.mark.parametrize("details, capability", [
    ({"device_name": "NVIDIA A100-SXM4-40GB", "compute_capability": (8, 0)}, "8.0"),
    ({"compute_capability": (12, 0)}, "12.0"), ({"device_name": "METAL"}, ""), ({}, ""), (None, ""),
])
def test_tensorflow_compute_capability(details, capability):
    assert tdv.capability_text(details) == capability


def fake_tf(details):
    return SimpleNamespace(__version__="2.21.0",
                           config=SimpleNamespace(experimental=SimpleNamespace(get_device_details=lambda gpu: details)))


def test_tensorflow_device_identity_per_kind():
    nvml = FakeNVML(limit_mw=70_000, clock=1590)
    cuda = tdv.device_identity(fake_tf({"compute_capability": (7, 5)}), "GPU:0", "cuda", nvml=nvml, target={"index": 1})
    assert cuda == {"accel_capability": "7.5", "accel_power_limit_w": 70.0, "accel_clock_mhz": 1590.0}
    assert "index 1" in nvml.calls
    run = fake_run({"system_profiler SPDisplaysDataType": "Total Number of Cores: 10"})
    assert tdv.device_identity(fake_tf({"device_name": "METAL"}), "GPU:0", "gpu", run=run) == {"accel_units": 10}
    cpu = tdv.device_identity(fake_tf({}), None, "cpu", environ={"TF_ENABLE_ONEDNN_OPTS": "0"},
                              importer=lambda name: SimpleNamespace(IsMklEnabled=lambda: False))
    assert cpu == {"math_library": "onednn=off (TF_ENABLE_ONEDNN_OPTS=0)"}


@pytest.mark.tensorflow
@pytest.mark.slow
def test_real_tensorflow_reports_onednn_off_when_told():
    pytest.importorskip("tensorflow")
    code = ("import tensorflow as tf; from collect.frameworks.tensorflow import device as d; "
            "print(d.mkl_enabled()); print(d.math_library(tf))")
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split("\n")[:2] == ["False", "onednn=off (TF_ENABLE_ONEDNN_OPTS=0)"]


# --- the row: every new field reaches the CSV ---------------------------------------------------------------------


class IdentityAdapter:
    """An adapter whose fingerprint is the real torch (or TF) device fingerprint over fake modules."""

    framework, device_name, default_backend, distributed, writer = "torch", "NVIDIA A100-SXM4-40GB", "eager", "none", True

    def __init__(self, framework, kind, fingerprint):
        self.framework, self.device_kind, self._fingerprint = framework, kind, fingerprint

    def fingerprint(self):
        return self._fingerprint

    def fits(self, config):
        return None

    def measure(self, config, budget):
        return Outcome(Stats(100.0, 10.0, 9.0, 11.0, "", 10, 3, 0.5), 1e9, config.backend)

    def release(self):
        pass


@pytest.mark.torch
def test_a_measured_row_carries_the_identity(tmp_path):
    pytest.importorskip("torch")
    from collect.frameworks.torch import device as td

    machine = linux(tmp_path, ZEN3_VM, "n2d-standard-8")
    torch_fp = td.device_fingerprint("cuda", fake_torch(), run=fake_run({}), nvml=FakeNVML())
    tf_fp = {"framework": "tensorflow", "framework_version": "2.21.0", "device_kind": "cpu", "device_name": "AMD EPYC",
             **tdv.device_identity(fake_tf({}), None, "cpu", environ={}, importer=lambda n: SimpleNamespace(IsMklEnabled=lambda: True))}
    for framework, kind, fp, backend in (("torch", "cuda", torch_fp, "eager"), ("tensorflow", "cpu", tf_fp, "tf_function")):
        adapter = IdentityAdapter(framework, kind, fp)
        result = runner.run_suite(adapter, [Config("mlp", "mlp-d2-w64", "train", "fp32", 8, backend=backend)],
                                  env=f"fp-{framework}", results_dir=tmp_path, budget=Budget(1.0), fingerprint=machine)
        with open(result.path, newline="") as fh:
            row = next(csv.DictReader(fh))
        assert (row["cpu_vendor"], row["cpu_family"], row["cpu_model"], row["cpu_stepping"], row["cpu_arch"],
                row["cpu_isa"], row["host_product"]) == ("AuthenticAMD", "25", "1", "1", "Zen 3", "avx avx2 fma", "n2d-standard-8")
        if framework == "torch":
            assert (row["accel_capability"], row["accel_units"], row["accel_power_limit_w"], row["accel_clock_mhz"]) == (
                "8.0", "108", "400.0", "1410.0")
        else:
            assert row["math_library"] == "onednn=on (TF_ENABLE_ONEDNN_OPTS unset: the default)"

