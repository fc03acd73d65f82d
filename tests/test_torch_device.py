"""CUDA / MPS code paths, exercised with fake torch APIs (no GPU on the test machine)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
from collect.frameworks.torch import device as td  # noqa: E402

pytestmark = pytest.mark.torch


@pytest.mark.parametrize("request_, cuda, mps, expected", [
    ("auto", True, True, "cuda"), ("auto", False, True, "mps"), ("auto", False, False, "cpu"),
    ("cpu", True, True, "cpu"), ("cuda", True, False, "cuda"), ("mps", False, True, "mps"),
])
def test_resolve_device(request_, cuda, mps, expected):
    assert td.resolve_device(request_, cuda=cuda, mps=mps) == expected


@pytest.mark.parametrize("request_, message", [
    ("cuda", "--device cuda was asked for, but torch.cuda.is_available() is False"),
    ("mps", "--device mps was asked for, but torch.backends.mps.is_available() is False"),
    ("gpu", "`device` must be one of ('auto', 'cpu', 'cuda', 'mps') for torch, but 'gpu' was passed"),
])
def test_missing_device_is_an_error_not_a_cpu_run(request_, message):
    with pytest.raises(ValueError) as info:
        td.resolve_device(request_, cuda=False, mps=False)
    assert message in str(info.value)


def fake_api(capability=(8, 0)):
    calls = []
    matmul = SimpleNamespace(allow_tf32=False)
    cudnn = SimpleNamespace(allow_tf32=True, benchmark=False, version=lambda: 91002)  # cuDNN's default allows TF32
    api = SimpleNamespace(
        __version__="2.14.1+cu130",
        cuda=SimpleNamespace(synchronize=lambda: calls.append("cuda.sync"), max_memory_allocated=lambda: 3 * 2**30,
                             reset_peak_memory_stats=lambda: calls.append("reset"), empty_cache=lambda: calls.append("cuda.empty"),
                             get_device_name=lambda i: "NVIDIA A100-SXM4-40GB", get_device_capability=lambda i: capability,
                             get_device_properties=lambda i: SimpleNamespace(total_memory=40 * 2**30)),
        mps=SimpleNamespace(synchronize=lambda: calls.append("mps.sync"), driver_allocated_memory=lambda: 512 * 2**20,
                            empty_cache=lambda: calls.append("mps.empty")),
        backends=SimpleNamespace(cuda=SimpleNamespace(matmul=matmul), cudnn=cudnn),
        version=SimpleNamespace(cuda="13.0"),
        get_num_threads=lambda: 8, get_float32_matmul_precision=lambda: "high" if matmul.allow_tf32 else "highest",
    )
    return api, calls


def test_sync_is_the_devices_own():
    api, calls = fake_api()
    td.synchronizer("cuda", api)()
    td.synchronizer("mps", api)()
    td.synchronizer("cpu", api)()
    assert calls == ["cuda.sync", "mps.sync"]


def test_peak_memory_per_device():
    api, calls = fake_api()
    td.reset_peak("cuda", api)
    assert calls == ["reset"]
    assert td.peak_mem_mb("cuda", api) == 3072
    assert td.peak_mem_mb("mps", api) == 512
    assert td.peak_mem_mb("cpu", api) > 0  # this process's own peak RSS


def test_free_memory_empties_the_right_cache():
    api, calls = fake_api()
    td.free_memory("mps", api)
    td.free_memory("cuda", api)
    assert calls == ["mps.empty", "cuda.empty"]


def test_fp32_switches_tf32_off_and_records_it():
    api, _ = fake_api()
    assert td.math_settings("cuda", "fp32", api) == {"tf32": "off", "cudnn_benchmark": "on", "matmul_precision": "highest"}
    assert api.backends.cudnn.allow_tf32 is False  # cuDNN's default (True) would make "fp32" convolutions TF32
    assert td.math_settings("cuda", "tf32", api) == {"tf32": "on", "cudnn_benchmark": "on", "matmul_precision": "high"}
    assert td.math_settings("cpu", "fp32", api) == {}


def test_tf32_needs_ampere():
    assert td.supports_tf32("cuda", fake_api((8, 0))[0])
    assert not td.supports_tf32("cuda", fake_api((7, 5))[0])  # T4
    assert not td.supports_tf32("mps", fake_api()[0])


def test_cuda_fingerprint():
    api, _ = fake_api()
    fp = td.device_fingerprint("cuda", api, run=lambda args, timeout=5.0: "550.54.15\n550.54.15")
    assert fp["device_name"] == "NVIDIA A100-SXM4-40GB" and fp["accel_mem_gb"] == 40.0
    assert fp["cuda_version"] == "13.0" and fp["cudnn_version"] == "91002" and fp["driver_version"] == "550.54.15"
    assert fp["threads"] == 8


def test_mps_device_name_has_chip_and_cores():
    api, _ = fake_api()
    outputs = {"sysctl -n machdep.cpu.brand_string": "Apple M2", "system_profiler SPDisplaysDataType": "Total Number of Cores: 10"}
    assert td.device_name("mps", api, run=lambda args, timeout=5.0: outputs.get(" ".join(args), "")) == "Apple M2 (10-core GPU)"


@pytest.mark.parametrize("exc, oom", [
    (torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB"), True),
    (RuntimeError("MPS backend out of memory (MPS allocated: 17.00 GB)"), True),
    (RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 1099511627776 bytes"), True),
    (MemoryError(), True),
    (RuntimeError("shape mismatch"), False),
])
def test_is_oom(exc, oom):
    assert td.is_oom(exc) is oom


@pytest.mark.parametrize("exc, unsupported", [
    (RuntimeError('"addmm_impl_cpu_" not implemented for \'Half\''), True),
    (NotImplementedError("The operator 'aten::foo' is not currently implemented for the MPS device"), True),
    (TypeError("Cannot convert a MPS Tensor to float64 dtype as the MPS framework doesn't support float64"), True),
    (RuntimeError("shape mismatch"), False),
])
def test_is_unsupported(exc, unsupported):
    assert td.is_unsupported(exc) is unsupported


def test_pci_bus_id_in_nvml_form_from_device_properties():
    props = SimpleNamespace(pci_domain_id=0, pci_bus_id=0x3B, pci_device_id=0)
    api = SimpleNamespace(cuda=SimpleNamespace(get_device_properties=lambda device: props))
    assert td.pci_bus_id("cuda:0", api) == {"pci_bus_id": "00000000:3B:00.0"}
    older = SimpleNamespace(cuda=SimpleNamespace(get_device_properties=lambda device: SimpleNamespace(name="GPU")))
    assert td.pci_bus_id("cuda:0", older) == {}  # no PCI fields: the caller falls back to CUDA_VISIBLE_DEVICES
