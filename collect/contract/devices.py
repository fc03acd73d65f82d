"""One device key per physical device: the spellings of one chip in results files, made one name.

Runners write the device name the driver reports, contributors type theirs, and both vary: "NVIDIA GeForce RTX
3090" and "RTX 3090", "Intel(R) Xeon(R) CPU @ 2.20GHz" and "Intel Xeon CPU", "Apple M1 Max 32-core GPU (Mac
Studio, 64 GB)" and "Apple M1 Max 32-core GPU (Metal)", doubled spaces, other case. Grouping by the raw name splits
one device's results; grouping by `device_key` does not. This module is the one place that mapping lives
(tests/test_devices.py checks it on every spelling in results/). Plain Python: the
site, the runner's closing summary and --check all use it.

What a key keeps: the model as the vendor sells it (chip, size, core count, memory variant such as "-SXM4-40GB").
What it drops: vendor and brand prefixes (NVIDIA, GeForce, Tesla, AMD, Intel, Apple), trademark signs, anything
in parentheses (the machine it sits in, a backend), a clock frequency, a trailing "CPU" / "Processor" /
"with Radeon Graphics", repeated spaces. Case is kept from the most common spelling; keys compare case-blind.

A key names a device only where the name says which one: "EPYC" or "Xeon" is every generation a cloud VM may
hide behind it. `identity` adds a CPU's generation (collect.contract.cpus) where its key carries no model number,
so a Zen 3 and a Zen 5 EPYC are two devices: "EPYC (Zen 3, AVX2)" and "EPYC (Zen 5, AVX-512)"; a row from before
schema 5 says "EPYC (generation not recorded)" and pools with neither.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from collect.contract.cpus import generation

_TRADEMARKS = re.compile(r"\((?:r|tm|c)\)|[®™©]", re.IGNORECASE)
_PARENS = re.compile(r"\([^()]*\)")
_CLOCK = re.compile(r"@\s*[\d.]+\s*[gm]hz\b", re.IGNORECASE)
# Brand words a driver puts before the model; removed only at the front, so "RTX A6000" keeps its letters.
_PREFIX = re.compile(r"^(?:(?:nvidia|geforce|tesla|amd|intel|apple|corporation)\b[\s,]*)+", re.IGNORECASE)
_SUFFIX = re.compile(r"(?:\s+(?:cpu|processor|with radeon graphics|graphics))+$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def device_key(name: str) -> str:
    """The device key of one spelling, case kept: device_key("NVIDIA GeForce RTX 3090") == "RTX 3090".
    An empty or unreadable name gives ""; a name that is all brand keeps its last word ("NVIDIA" stays "NVIDIA")."""
    text = _SPACES.sub(" ", str(name or "")).strip()
    text = _TRADEMARKS.sub(" ", text)
    while _PARENS.search(text):  # nested parentheses: innermost first
        text = _PARENS.sub(" ", text)
    text = _CLOCK.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" ,-")
    stripped = _SUFFIX.sub("", _PREFIX.sub("", text)).strip(" ,-")
    return stripped or (text.split(" ")[-1] if text else "")


def device_keys(names: Iterable[str], weights: Iterable[int] | None = None) -> dict[str, str]:
    """Each distinct spelling -> its key, spellings that differ only in case merged under the most common one
    (ties: the first met). A spelling counts once each time it is given, or by its weight (its rows)."""
    counts: Counter = Counter()
    for name, weight in zip(names, weights, strict=True) if weights is not None else ((n, 1) for n in names):
        counts[str(name)] += int(weight)
    keys = {name: device_key(name) for name in counts}
    by_fold: dict[str, Counter] = {}
    for name, key in keys.items():
        by_fold.setdefault(key.casefold(), Counter())[key] += counts[name]
    label = {fold: spellings.most_common(1)[0][0] for fold, spellings in by_fold.items()}
    return {name: label[key.casefold()] for name, key in keys.items()}


_DIGIT = re.compile(r"\d")


def identity(key: str, kind: str, arch: str = "", isa: str = "", family=None, model=None) -> str:
    """The device a row ran on, named so that two generations are two devices. An accelerator's key names its chip
    already ("RTX 3090", "M1 Max"), and so does a CPU name with a model number ("EPYC 7B13", "Xeon Platinum 8488C");
    a CPU key without one ("EPYC", "Xeon") gets its generation: "EPYC (Zen 3, AVX2)", or "(generation not
    recorded)" where the row does not state it."""
    if kind != "cpu" or not key or _DIGIT.search(key):
        return key
    return f"{key} ({generation(arch, isa, family, model)})"
