"""What every published reader shares: where the excerpts live, the row they all start from, driver spellings."""

from __future__ import annotations

import re
from pathlib import Path

from collect.contract.record import Record, make_record, slugify

ROOT = Path(__file__).resolve().parents[2]
THIRD_PARTY = ROOT / "third_party"

# Device names as today's driver reports them (torch.cuda.get_device_name / nvidia-smi), from older spellings.
_NVIDIA_PREFIXED = re.compile(r"^(GeForce|TITAN|RTX A\d|RTX PRO|A\d{2,3}\b|H\d{3}\b|GH\d{3}|B\d{3}\b|GB\d{3}|L\d{1,2}\b)")


def driver_name(name: str) -> str:
    """The driver's spelling of an NVIDIA device name from an older one: 'GeForce RTX 3080' -> 'NVIDIA GeForce RTX
    3080', 'A100-SXM4-40GB' -> 'NVIDIA A100-SXM4-40GB'; Tesla and Quadro names keep their own prefix (drivers still
    report 'Tesla V100-SXM2-16GB', 'Quadro RTX 8000'); a name that starts with a vendor already is kept."""
    name = " ".join(str(name).split())
    return f"NVIDIA {name}" if _NVIDIA_PREFIXED.match(name) else name


def reference(repo: str, commit: str, path: str, part: str) -> str:
    """'owner/repo@commit:path (part)': where one figure was copied from."""
    return f"{repo}@{commit}:{path} ({part})"


def env_slug(*parts: str) -> str:
    """An env name from its parts: env_slug('RTX 3090', 'timm') -> 'rtx-3090-timm'."""
    return slugify("-".join(parts))


def published(**values) -> Record:
    """A published row: source, platform, status and dataset (synthetic unless given) filled in, the rest as given
    (make_record checks the choices)."""
    return make_record(**{"source": "published", "platform": "unknown", "status": "ok", "dataset": "synthetic", **values})


def number(text: str) -> float:
    """A figure as the source prints it ('3,219.06', '271.2') as a float."""
    return float(str(text).replace(",", "").strip())
