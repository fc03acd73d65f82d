"""Execution backends for a torch model: torch.compile, and ONNX Runtime (TensorRT through its provider).

Each returns what the runner times: a step over inputs already on the device, plus the time spent
preparing it (export, session creation), which belongs in `compile_s`, never in the step statistics.
ONNX Runtime quietly falls back to the CPU when a provider cannot load; the provider that took effect
is checked, and a fallback is an `unsupported` row, not a CPU figure filed under a GPU.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import logging
import time

import torch

from collect.measure.adapter import Unsupported
from collect.measure.step import relative_error as _formula

PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider", "mps": "CoreMLExecutionProvider"}
TRT_PROVIDER = "TensorrtExecutionProvider"


def tensorrt_installed() -> bool:
    return importlib.util.find_spec("tensorrt") is not None


def compile_model(model: torch.nn.Module) -> torch.nn.Module:
    """torch.compile with its defaults (inductor). Compilation happens at the first call: the runner's
    first, separately timed step, so it lands in compile_s."""
    if not hasattr(torch, "compile"):
        raise Unsupported(f"torch {torch.__version__} has no torch.compile (2.0 or newer)")
    # A suite compiles the same forward code for many models and shapes; past dynamo's recompile limit it
    # would silently run eager under this backend's name. A fresh cache per measurement rules that out.
    torch._dynamo.reset()
    return torch.compile(model)


def is_compile_failure(exc: BaseException) -> bool:
    """A failure of dynamo/inductor itself (no C++ compiler, unsupported op), not of the model."""
    module = type(exc).__module__ or ""
    return module.startswith(("torch._dynamo", "torch._inductor")) or "InductorError" in type(exc).__name__


def provider_for(device_kind: str, backend: str, available: list[str]) -> str:
    """The ONNX Runtime execution provider matching the device, or Unsupported saying what is missing."""
    if backend == "tensorrt":
        if device_kind != "cuda":
            raise Unsupported("TensorRT runs on NVIDIA GPUs only")
        if TRT_PROVIDER not in available:
            raise Unsupported("TensorRT is not available to ONNX Runtime here (needs onnxruntime-gpu and TensorRT); "
                              f"providers: {', '.join(available)}")
        return TRT_PROVIDER
    wanted = PROVIDERS.get(device_kind)
    if wanted is None or wanted not in available:
        hint = {"cuda": "install onnxruntime-gpu", "mps": "CoreML needs the macOS onnxruntime wheel"}.get(device_kind, "")
        raise Unsupported(f"ONNX Runtime has no provider for {device_kind} here ({', '.join(available)})"
                          + (f"; {hint}" if hint else ""))
    return wanted


def export_onnx(model: torch.nn.Module, x: torch.Tensor) -> bytes:
    """The model as ONNX bytes, for exactly this input shape (a static batch lets the runtime plan for it).
    Exported from a CPU copy: the graph does not depend on the device, and tracing on MPS is fragile."""
    model, x = copy.deepcopy(model).cpu(), x.cpu()
    quiet = logging.getLogger("torch.onnx")
    level, quiet.level = quiet.level, logging.ERROR
    try:
        with contextlib.redirect_stdout(io.StringIO()), torch.inference_mode(False), torch.no_grad():
            program = torch.onnx.export(model, (x,), dynamo=True, input_names=["input"], output_names=["output"],
                                        verbose=False)
    except ImportError as exc:
        raise Unsupported(f"ONNX export needs onnx and onnxscript: {exc}") from None
    except Exception as exc:
        raise Unsupported(f"torch.onnx could not export this model: {str(exc).splitlines()[0][:200]}") from None
    finally:
        quiet.level = level
    buf = io.BytesIO()
    program.save(buf)
    return buf.getvalue()


class OnnxRun:
    """An ONNX Runtime session over inputs bound on the device; `step()` runs it once."""

    def __init__(self, model: torch.nn.Module, x: torch.Tensor, *, device_kind: str, backend: str, threads: int, ort=None):
        if ort is None:
            try:
                import onnxruntime as ort
            except ImportError:
                raise Unsupported("onnxruntime is not installed (pip install onnxruntime)") from None
        self.ort, self.version = ort, ort.__version__
        provider = provider_for(device_kind, backend, list(ort.get_available_providers()))
        start = time.perf_counter()
        onnx = export_onnx(model, x)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # the same CPU threads torch used: like with like
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(onnx, options, providers=[provider])
        self.prepare_s = time.perf_counter() - start
        took = self.session.get_providers()[0]
        if took != provider:
            raise Unsupported(f"ONNX Runtime fell back from {provider} to {took}: the provider could not load")
        self.provider, self.threads = provider, threads
        self.input_name = self.session.get_inputs()[0].name
        self._bind(x, device_kind)

    def _bind(self, x: torch.Tensor, device_kind: str) -> None:
        array = x.detach().cpu().numpy()
        if device_kind == "cuda":  # inputs and outputs stay in GPU memory: no copies in the timed step
            index = x.device.index or 0
            binding = self.session.io_binding()
            binding.bind_ortvalue_input(self.input_name, self.ort.OrtValue.ortvalue_from_numpy(array, "cuda", index))
            binding.bind_output(self.session.get_outputs()[0].name, "cuda", index)
            # Run returns once the CUDA provider has synchronised its stream (its default), and the
            # runner's torch.cuda.synchronize follows: the clock never reads queued work.
            self.step = lambda: self.session.run_with_iobinding(binding)
            self.outputs = lambda: binding.copy_outputs_to_cpu()[0]
            return
        feeds = {self.input_name: array}  # CPU and CoreML (unified memory) read host arrays
        holder = [None]

        def step():
            holder[0] = self.session.run(None, feeds)

        self.step = step
        self.outputs = lambda: holder[0][0] if holder[0] is not None else self.session.run(None, feeds)[0]

    def note(self) -> str:
        return f"onnxruntime {self.version} {self.provider}; compile_s includes export and session creation ({self.prepare_s:.1f} s)"


def relative_error(got, want) -> float:
    """The output check's relative error of two outputs (tensors or arrays), in float64 on the CPU."""
    got = torch.as_tensor(got).double().cpu()
    want = torch.as_tensor(want).double().cpu()
    return _formula(torch.linalg.vector_norm(got - want), torch.linalg.vector_norm(want))
