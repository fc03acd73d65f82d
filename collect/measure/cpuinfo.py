"""Which CPU and host a run is on, as the OS tells it without a network.

Cloud VMs name their CPU "AMD EPYC" whatever its generation; the OS still reports the vendor, x86 family, model and
stepping and the instruction-set flags (Linux /proc/cpuinfo, macOS sysctl, the Windows processor string), and on
Arm the implementer and part. This module reads those; collect.contract.cpus turns them into the generation
(cpu_arch) and the recorded instruction sets (cpu_isa). host_product is the DMI product name (a cloud instance
family, a laptop's model) or a Mac's hw.model. Pure Python: every probe takes its command runner (`run`, stdout or
"") and its paths, so tests fake a Zen 3 VM, a Graviton and a Mac.
"""

from __future__ import annotations

import platform as _platform
import re

from collect.contract import cpus

CPUINFO = "/proc/cpuinfo"
DMI_PRODUCT = "/sys/class/dmi/id/product_name"
FIELDS = ("cpu_vendor", "cpu_family", "cpu_model", "cpu_stepping", "cpu_arch", "cpu_isa")
# DMI product names a board maker left unset: no product is better than a placeholder that pools unrelated hosts.
PLACEHOLDERS = frozenset(name.lower() for name in (
    "To Be Filled By O.E.M.", "System Product Name", "Default string", "Not Specified", "Not Applicable", "None",
    "O.E.M.", "OEM", "Unknown", "N/A", "System Name", "Product Name", "Type1ProductConfigId", "Undefined", "0",
))
# An Intel Mac's sysctl machdep.cpu.features / leaf7_features words -> /proc/cpuinfo's flag names.
MAC_X86_WORDS = {"avx1.0": "avx", "avx2": "avx2", "fma": "fma", "avx512f": "avx512f", "avx512vnni": "avx512_vnni",
                 "avx512bf16": "avx512_bf16"}
_WINDOWS = re.compile(r"Family (\d+) Model (\d+) Stepping (\d+), (\w+)")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def _empty() -> dict:
    return dict.fromkeys(FIELDS, "")


def _named(vendor: str, family, model, stepping, isa: str, brand: str) -> dict:
    """The six cpu_* fields of what the OS reported: cpu_arch from the table, "" where not even a vendor is known."""
    arch = cpus.arch_of(vendor, family, model, stepping, brand=brand, isa=isa) if vendor else ""
    values = (vendor, family, model, stepping, arch, isa)
    return {name: "" if value is None else value for name, value in zip(FIELDS, values, strict=True)}


def linux_identity(text: str, brand: str = "") -> dict:
    """The cpu_* fields of a /proc/cpuinfo text: x86 vendor, family, model, stepping and flags, or on Arm the
    implementer (as the vendor) and part (as the model) and Features."""
    parsed = cpus.parse_cpuinfo(text)
    if not parsed.get("vendor"):
        return _empty()
    return _named(parsed["vendor"], parsed.get("family"), parsed.get("model"), parsed.get("stepping"),
                  parsed.get("isa", ""), brand)


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def mac_identity(run, brand: str = "") -> dict:
    """The cpu_* fields of a Mac: Apple silicon by its brand string ("Apple M2 Pro") and hw.optional.* features
    (value 1 = present); an Intel Mac by machdep.cpu's vendor, family, model, stepping and feature words."""
    sysctl = lambda key: run(["sysctl", "-n", key]).strip()  # noqa: E731
    if re.match(r"Apple\b", brand or ""):
        isa = " ".join(dict.fromkeys(name for key, name in cpus.MAC_FLAGS.items() if sysctl(key) == "1"))
        return _named("Apple", None, None, None, isa, brand)
    vendor = sysctl("machdep.cpu.vendor")
    if not vendor:
        return _empty()
    words = f"{sysctl('machdep.cpu.features')} {sysctl('machdep.cpu.leaf7_features')}".lower().split()
    isa = cpus.isa_of([MAC_X86_WORDS.get(word, word) for word in words])
    return _named(vendor, _int(sysctl("machdep.cpu.family")), _int(sysctl("machdep.cpu.model")),
                  _int(sysctl("machdep.cpu.stepping")), isa, brand)


def windows_identity(processor: str, brand: str = "") -> dict:
    """The cpu_* fields of Windows' processor string ("Intel64 Family 6 Model 143 Stepping 8, GenuineIntel"): no
    flags there, so cpu_isa stays empty."""
    match = _WINDOWS.search(processor or "")
    if not match:
        return _empty()
    family, model, stepping, vendor = match.groups()
    return _named(vendor, int(family), int(model), int(stepping), "", brand)


def cpu_identity(system: str, run, brand: str = "", cpuinfo_path: str = CPUINFO, processor: str | None = None) -> dict:
    """cpu_vendor, cpu_family, cpu_model, cpu_stepping, cpu_arch, cpu_isa of this machine ("" where the OS does
    not say)."""
    if system == "Linux":
        return linux_identity(_read(cpuinfo_path), brand)
    if system == "Darwin":
        return mac_identity(run, brand)
    if system == "Windows":
        return windows_identity(_platform.processor() if processor is None else processor, brand)
    return _empty()


def clean_product(name: str) -> str:
    """A DMI product name as recorded: stripped, one line, "" for a board maker's placeholder."""
    name = " ".join(str(name or "").split())
    return "" if name.lower() in PLACEHOLDERS else name


def host_product(system: str, run, dmi_path: str = DMI_PRODUCT) -> str:
    """The host's product name: Linux DMI product_name where readable (a VM's instance family, "c7i.2xlarge",
    "Google Compute Engine"; a laptop's model), a Mac's hw.model ("Mac14,6"); "" elsewhere."""
    if system == "Linux":
        return clean_product(_read(dmi_path))
    if system == "Darwin":
        return clean_product(run(["sysctl", "-n", "hw.model"]))
    return ""
