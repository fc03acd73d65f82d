"""Data-parallel training under torch.distributed, launched by torchrun (no communication code of ours).

torchrun sets RANK, WORLD_SIZE, LOCAL_RANK (and LOCAL_WORLD_SIZE) for each process; multi-node
runs use torchrun's own rendezvous flags. Each rank uses its own device (NCCL on CUDA, gloo on
the CPU) and its own synthetic data; rank 0 alone writes rows.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from collect import __version__

LAUNCH = "torchrun --nproc-per-node N -m collect --framework torch --distributed ddp ..."


@dataclass(frozen=True)
class Rank:
    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def writer(self) -> bool:
        return self.rank == 0


def launched(environ=None) -> bool:
    environ = os.environ if environ is None else environ
    return all(key in environ for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))


def device_for(local_rank: int, local_world: int, *, cuda_devices: int, want_cuda: bool) -> str:
    """This rank's device; more ranks on a node than CUDA devices is an error, not oversubscription."""
    if not want_cuda:
        return "cpu"
    if local_world > cuda_devices:
        raise ValueError(f"{local_world} ranks per node were launched, but this node has {cuda_devices} CUDA "
                         f"device(s): lower --nproc-per-node to at most {cuda_devices}")
    return f"cuda:{local_rank}"


def init(request: str, environ=None) -> Rank:
    environ = os.environ if environ is None else environ
    if not launched(environ):
        raise ValueError(f"--distributed ddp needs a process group: launch it with `{LAUNCH}`")
    rank, world, local_rank = int(environ["RANK"]), int(environ["WORLD_SIZE"]), int(environ["LOCAL_RANK"])
    local_world = int(environ.get("LOCAL_WORLD_SIZE", world))
    want_cuda = request in ("auto", "cuda") and torch.cuda.is_available()
    if request == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for, but torch.cuda.is_available() is False")
    device = device_for(local_rank, local_world, cuda_devices=torch.cuda.device_count(), want_cuda=want_cuda)
    if device.startswith("cuda"):
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.startswith("cuda") else "gloo", timeout=dt.timedelta(minutes=5))
    check_versions()
    return Rank(rank, world, local_rank, torch.device(device))


def check_versions() -> None:
    """Every rank must run the same torch and devicebench: a mixed world would compare nothing."""
    mine = (torch.__version__, __version__)
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, mine)
    if len(set(everyone)) > 1:
        raise RuntimeError(f"ranks run different versions (torch, devicebench): {sorted(set(everyone))}")


def reduce_max(value: float, device: torch.device) -> float:
    """The largest value over all ranks (used for loop decisions and the slowest rank's times)."""
    tensor = torch.tensor([float(value)], dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return float(tensor.item())


def seed_for(rank: int) -> int:
    """Each rank draws its own synthetic batch: data parallelism over distinct data."""
    return 1_000 + rank


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
