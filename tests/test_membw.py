"""The membw workload: names, bytes counted, the cache rule, the kernels really copying / adding, rows (bytes/s)."""

from __future__ import annotations

import pytest

from collect.dataset.loader import load
from collect.measure import bandwidth, suites
from collect.measure.suites import Config

# Real measurements here warm up for 0.2 s, not 1 s (conftest.py's short_warmup): the tests check what the rows
# say, not how steady they are.
pytestmark = pytest.mark.usefixtures("short_warmup")


def test_names_and_bytes():
    assert bandwidth.parse_membw("membw-copy-256") == ("copy", 256)
    assert bandwidth.parse_membw("membw-axpy-64") == ("axpy", 64)
    assert bandwidth.parse_membw("membw-copy-0") is None and bandwidth.parse_membw("membw-256") is None
    assert suites.workload_of("membw-axpy-1024") == "membw" and suites.workload_of("membw-xyz-1") == "cnn"
    n = bandwidth.buffer_elements(256, 4)
    assert n == 64 * 2**20
    assert bandwidth.bytes_per_step("copy", n, 4) == 2 * 256 * 2**20  # read a, write b
    assert bandwidth.bytes_per_step("axpy", n, 4) == 3 * 256 * 2**20  # read a and b, write a
    assert (bandwidth.flops_per_byte("copy", 4), bandwidth.flops_per_byte("axpy", 4)) == (0.0, 2 / 12)


def test_buffers_under_4x_the_cache_are_noted():
    mib = 2**20
    assert bandwidth.cache_note(128 * mib, 32 * mib, "last-level cache") == ""
    assert "under 4x the last-level cache (32 MiB)" in bandwidth.cache_note(64 * mib, 32 * mib, "last-level cache")
    assert "(64 MiB, assumed)" in bandwidth.cache_note(128 * mib, None, "GPU's L2")  # unknown: DEFAULT_LLC_BYTES
    assert bandwidth.cache_note(256 * mib, None, "GPU's L2") == ""


def test_last_level_cache_from_sysfs(tmp_path):
    for index, (level, kind, size) in enumerate([(1, "Data", "32K"), (1, "Instruction", "32K"), (2, "Unified", "1024K"),
                                                 (3, "Unified", "32768K")]):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        (folder / "level").write_text(f"{level}\n")
        (folder / "type").write_text(f"{kind}\n")
        (folder / "size").write_text(f"{size}\n")
    assert bandwidth.cpu_last_level_cache(str(tmp_path)) == 32 * 2**20
    assert bandwidth.cpu_last_level_cache(str(tmp_path / "missing")) is None


def test_suites_sweep_sizes_as_matmul():
    quick = [c for c in suites.expand("quick", device_kind="cpu") if c.workload == "membw"]
    assert [(c.model, c.mode, c.batch_size, c.precision, c.backend) for c in quick] == [
        ("membw-copy-256", "infer", 1, "fp32", "eager")]
    # TensorFlow's copy runs its shards side by side in one tf.function, whatever the suite's backends
    assert {c.backend for c in suites.expand("backends", device_kind="cpu", framework="tensorflow", models=["membw-copy-64"])} \
        == {"tf_function"}
    full = {c.model for c in suites.expand("full", device_kind="cpu", framework="tensorflow", default_backend="tf_function")
            if c.workload == "membw"}
    assert full == {f"membw-{k}-{n}" for k in ("copy", "axpy") for n in bandwidth.MEMBW_SIZES}


@pytest.mark.torch
def test_torch_kernels_copy_and_add():
    torch = pytest.importorskip("torch")
    from collect.frameworks.torch import membw

    step, per_step, _, _ = membw.membw_step(Config("membw", "membw-copy-1", "infer", "fp32", 1), torch.device("cpu"))
    a, b = (cell.cell_contents for cell in step.__closure__)
    step()
    assert torch.equal(a, b) and per_step == 2 * 2**20
    step, per_step, _, _ = membw.membw_step(Config("membw", "membw-axpy-1", "infer", "fp32", 1), torch.device("cpu"))
    cells = {name: cell.cell_contents for name, cell in zip(step.__code__.co_freevars, step.__closure__, strict=True)}
    a, b, before = cells["a"], cells["b"], cells["a"].clone()
    step()
    assert torch.allclose(a, before - 0.5 * b) and per_step == 3 * 2**20
    step()  # the scale alternates: back where it started
    assert torch.allclose(a, before)


def cells(fn) -> dict:
    """The variables a step function closes over, by name."""
    return {name: cell.cell_contents for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True)}


@pytest.mark.tensorflow
@pytest.mark.parametrize("backend", ["eager", "tf_function"])
def test_tensorflow_kernels_copy_and_add(backend):
    tf = pytest.importorskip("tensorflow")
    from collect.frameworks.tensorflow import membw

    holder = [None]
    step, per_step, _, _ = membw.membw_step(Config("membw", "membw-copy-1", "infer", "fp32", 1, backend=backend), "cpu",
                                            holder)
    pairs = cells(step if backend == "eager" else step.python_function)["pairs"]
    assert len(pairs) == membw.copy_shards("cpu") and sum(int(a.shape[0]) for a, _, _ in pairs) == membw.ROWS
    before = [b.numpy().copy() for _, b, _ in pairs]
    step()
    for (a, b, _), old in zip(pairs, before, strict=True):
        assert (b.numpy() == a.numpy()).all() and not (old == b.numpy()).all()
        a.assign_add(tf.ones_like(a))  # b has its own buffer: writing a leaves it alone
        assert not (b.numpy() == a.numpy()).any()
    assert per_step == 2 * 2**20
    step, per_step, _, _ = membw.membw_step(Config("membw", "membw-axpy-1", "infer", "fp32", 1, backend=backend), "cpu",
                                            holder)
    run = cells(step)["call"]
    a, b = holder[0], cells(run if backend == "eager" else run.python_function)["b"]
    first = a.numpy().copy()
    step()
    assert abs(a.numpy() - (first + 0.5 * b.numpy())).max() < 1e-6 and per_step == 3 * 2**20
    step()
    assert abs(a.numpy() - first).max() < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_rows_through_the_command_line_validate(framework, results_dir):
    pytest.importorskip(framework)
    from collect import cli

    argv = ["--framework", framework, "--models", "membw-copy-64,membw-axpy-64", "--max-seconds", "0.3", "--device", "cpu",
            "--no-progress", "--repeat", "1", "--env", "test-membw-cpu", "--results-dir", str(results_dir)]
    assert cli.main(argv) == 0
    loaded = load([results_dir / "results_test-membw-cpu.csv"])
    assert not [p for p in loaded.problems if p.level == "error"]
    rows = list(loaded.frame.itertuples())
    assert [(r.model, r.workload, r.mode, r.status, r.rate_unit, r.batch_size) for r in rows] == [
        ("membw-copy-64", "membw", "infer", "ok", "bytes", 1), ("membw-axpy-64", "membw", "infer", "ok", "bytes", 1)]
    for r in rows:
        assert r.bytes_per_sample == 1 and r.gb_per_s == pytest.approx(r.samples_per_s / 1e9) and r.gb_per_s > 0.1
        assert r.steps >= 3
