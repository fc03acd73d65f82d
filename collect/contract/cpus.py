"""Which CPU a row ran on when the vendor string hides it: microarchitecture from vendor, family and model.

Cloud VMs name their CPU "AMD EPYC" or "Intel Xeon Processor" whatever generation it is, and a Zen 3 and a Zen 5
differ by 2-5x in deep-learning throughput (AVX2 against AVX-512). The OS still reports the x86 family, model and
stepping and the instruction-set flags (/proc/cpuinfo), and on Arm the implementer and part number: this module
turns those into a generation name (`arch_of`), the instruction sets that matter (`isa_of`, `isa_tier`) and the
label a device is named by ("Zen 3, AVX2"). Plain Python, no I/O: collect.measure.envinfo reads the OS, the
presenting side names devices, and tests/test_cpus.py checks the table.

Beyond the table the generation is "unknown" and the family and model numbers stand in for it, so two unknown
generations never pool as one. A model number whose generation lacks an instruction set the CPU reports (a VM
whose hypervisor shows a made-up model) is "unknown" too: the flags are what the code really ran with.
"""

from __future__ import annotations

import re

UNKNOWN = "unknown"
NOT_RECORDED = "generation not recorded"
# Tiers, lowest first: the best one a CPU has names its vector path ("AVX-512"). x86 then Arm.
X86_TIERS = ("SSE", "AVX", "AVX2", "AVX-512", "AMX")
ARM_TIERS = ("NEON", "SVE", "SME")
# /proc/cpuinfo flag -> the name devicebench records (cpu_isa). The ones that change which kernels run.
X86_FLAGS = {
    "avx": "avx", "avx2": "avx2", "fma": "fma", "avx512f": "avx512f", "avx512_bf16": "avx512_bf16",
    "avx512_vnni": "avx512_vnni", "avx512_fp16": "avx512_fp16", "avx_vnni": "avx_vnni",
    "amx_tile": "amx_tile", "amx_bf16": "amx_bf16", "amx_int8": "amx_int8", "amx_fp16": "amx_fp16",
}
ARM_FLAGS = {"asimd": "neon", "sve": "sve", "sve2": "sve2", "sme": "sme", "sme2": "sme2", "bf16": "bf16",
             "i8mm": "i8mm", "asimddp": "dotprod"}
# macOS sysctl hw.optional.* -> the same names (Apple silicon: NEON always; BF16/I8MM from M2, SME from M4).
MAC_FLAGS = {"hw.optional.neon": "neon", "hw.optional.arm.FEAT_BF16": "bf16", "hw.optional.arm.FEAT_I8MM": "i8mm",
             "hw.optional.arm.FEAT_SME": "sme", "hw.optional.arm.FEAT_SME2": "sme2",
             "hw.optional.arm.FEAT_DotProd": "dotprod"}

# (vendor, family, first model, last model, name, best tier the generation has). Most specific first.
# AMD: the processor programming references; Intel: the SDM's model table (Linux arch/x86/include/asm/intel-family.h).
X86 = (
    ("AuthenticAMD", 23, 0x00, 0x2F, "Zen/Zen+", "AVX2"),
    ("AuthenticAMD", 23, 0x30, 0xFF, "Zen 2", "AVX2"),
    ("AuthenticAMD", 25, 0x10, 0x1F, "Zen 4", "AVX-512"),
    ("AuthenticAMD", 25, 0x60, 0x7F, "Zen 4", "AVX-512"),
    ("AuthenticAMD", 25, 0xA0, 0xAF, "Zen 4", "AVX-512"),
    ("AuthenticAMD", 25, 0x00, 0x5F, "Zen 3", "AVX2"),
    ("AuthenticAMD", 26, 0x00, 0x4F, "Zen 5", "AVX-512"),
    ("GenuineIntel", 6, 0x8F, 0x8F, "Sapphire Rapids", "AMX"),
    ("GenuineIntel", 6, 0xCF, 0xCF, "Emerald Rapids", "AMX"),
    ("GenuineIntel", 6, 0xAD, 0xAE, "Granite Rapids", "AMX"),
    ("GenuineIntel", 6, 0xAF, 0xAF, "Sierra Forest", "AVX2"),
    ("GenuineIntel", 6, 0x6A, 0x6C, "Ice Lake-SP", "AVX-512"),
    ("GenuineIntel", 6, 0x7D, 0x7E, "Ice Lake", "AVX-512"),
    ("GenuineIntel", 6, 0x8C, 0x8D, "Tiger Lake", "AVX-512"),
    ("GenuineIntel", 6, 0xA7, 0xA7, "Rocket Lake", "AVX-512"),
    ("GenuineIntel", 6, 0x97, 0x9A, "Alder Lake", "AVX2"),
    ("GenuineIntel", 6, 0xB7, 0xB7, "Raptor Lake", "AVX2"),
    ("GenuineIntel", 6, 0xBA, 0xBA, "Raptor Lake", "AVX2"),
    ("GenuineIntel", 6, 0xBF, 0xBF, "Raptor Lake", "AVX2"),
    ("GenuineIntel", 6, 0xAA, 0xAC, "Meteor Lake", "AVX2"),
    ("GenuineIntel", 6, 0xBD, 0xBD, "Lunar Lake", "AVX2"),
    ("GenuineIntel", 6, 0xC5, 0xC6, "Arrow Lake", "AVX2"),
    ("GenuineIntel", 6, 0x8E, 0x8E, "Kaby/Coffee Lake", "AVX2"),
    ("GenuineIntel", 6, 0x9E, 0x9E, "Kaby/Coffee Lake", "AVX2"),
    ("GenuineIntel", 6, 0xA5, 0xA6, "Comet Lake", "AVX2"),
    ("GenuineIntel", 6, 0x4E, 0x4E, "Skylake", "AVX2"),
    ("GenuineIntel", 6, 0x5E, 0x5E, "Skylake", "AVX2"),
    ("GenuineIntel", 6, 0x3D, 0x3D, "Broadwell", "AVX2"),
    ("GenuineIntel", 6, 0x47, 0x47, "Broadwell", "AVX2"),
    ("GenuineIntel", 6, 0x4F, 0x4F, "Broadwell", "AVX2"),
    ("GenuineIntel", 6, 0x56, 0x56, "Broadwell", "AVX2"),
    ("GenuineIntel", 6, 0x3C, 0x3C, "Haswell", "AVX2"),
    ("GenuineIntel", 6, 0x3F, 0x3F, "Haswell", "AVX2"),
    ("GenuineIntel", 6, 0x45, 0x46, "Haswell", "AVX2"),
)
# Intel model 0x55 is three server generations told apart by stepping.
SKYLAKE_SP = ((0, 4, "Skylake-SP"), (5, 7, "Cascade Lake"), (10, 11, "Cooper Lake"))
# Arm (implementer, part) from /proc/cpuinfo, as hex numbers there.
ARM = {
    (0x41, 0xD08): "Cortex-A72", (0x41, 0xD0B): "Cortex-A76", (0x41, 0xD0C): "Neoverse N1", (0x41, 0xD0D): "Cortex-A77",
    (0x41, 0xD40): "Neoverse V1", (0x41, 0xD41): "Cortex-A78", (0x41, 0xD49): "Neoverse N2", (0x41, 0xD4F): "Neoverse V2",
    (0x41, 0xD84): "Neoverse V3", (0x41, 0xD8E): "Neoverse N3", (0xC0, 0xAC3): "AmpereOne",
}
ARM_VENDORS = {0x41: "ARM", 0xC0: "Ampere", 0x61: "Apple", 0x51: "Qualcomm", 0x48: "HiSilicon", 0x4E: "NVIDIA"}
_APPLE = re.compile(r"\bApple (M\d+)(?: (Pro|Max|Ultra))?\b")


def _tier(tiers: tuple[str, ...], label: str) -> int:
    return tiers.index(label) if label in tiers else -1


def isa_tier(isa: str) -> str:
    """The best vector path of a space-separated cpu_isa: AMX, AVX-512, AVX2, AVX or SSE on x86; SME, SVE or NEON
    on Arm; "" where nothing is recorded."""
    names = set(str(isa or "").split())
    if not names:
        return ""
    if names & {"neon", "sve", "sve2", "sme", "sme2"}:
        return "SME" if names & {"sme", "sme2"} else "SVE" if names & {"sve", "sve2"} else "NEON"
    if names & {"amx_tile", "amx_bf16", "amx_int8", "amx_fp16"}:
        return "AMX"
    return "AVX-512" if "avx512f" in names else "AVX2" if "avx2" in names else "AVX" if "avx" in names else "SSE"


def isa_of(flags, table: dict[str, str] = X86_FLAGS) -> str:
    """The recorded instruction sets of a CPU's flags (a /proc/cpuinfo flags line or a list), in table order."""
    have = set(flags.split() if isinstance(flags, str) else flags)
    return " ".join(dict.fromkeys(name for flag, name in table.items() if flag in have))


def arch_of(vendor: str, family: int | None = None, model: int | None = None, stepping: int | None = None,
            *, brand: str = "", isa: str = "") -> str:
    """The microarchitecture of a CPU: "Zen 3", "Sapphire Rapids", "M2 Max", "Neoverse V1"; UNKNOWN beyond the
    table, or where the CPU reports an instruction set its model's generation lacks (a hypervisor's made-up model)."""
    apple = _APPLE.search(str(brand or ""))
    if apple:
        return " ".join(part for part in apple.groups() if part)
    if vendor in ("AuthenticAMD", "GenuineIntel") and family is not None and model is not None:
        name, best = _x86(vendor, int(family), int(model), stepping)
        if name and _tier(X86_TIERS, isa_tier(isa)) > _tier(X86_TIERS, best):
            return UNKNOWN
        return name or UNKNOWN
    implementer = next((k for k, v in ARM_VENDORS.items() if v == vendor), None)
    if implementer is not None and model is not None:
        return ARM.get((implementer, int(model)), UNKNOWN)
    return UNKNOWN


def _x86(vendor: str, family: int, model: int, stepping: int | None) -> tuple[str, str]:
    if vendor == "GenuineIntel" and family == 6 and model == 0x55:
        for first, last, name in SKYLAKE_SP:
            if stepping is not None and first <= int(stepping) <= last:
                return name, "AVX-512"
        return "Skylake-SP/Cascade Lake", "AVX-512"
    for v, f, first, last, name, best in X86:
        if v == vendor and f == family and first <= model <= last:
            return name, best
    return "", ""


def generation(arch: str, isa: str, family=None, model=None) -> str:
    """How a device's name shows its generation: "Zen 3, AVX2"; "family 6 model 167, AMX" for an unknown one;
    NOT_RECORDED where the row states neither (files before schema 5)."""
    tier = isa_tier(isa)
    if arch and arch != UNKNOWN:
        return f"{arch}, {tier}" if tier else arch
    if family not in (None, "") or model not in (None, ""):
        numbers = " ".join(f"{word} {int(float(value))}" for word, value in (("family", family), ("model", model))
                           if value not in (None, "") and value == value)
        return f"{numbers}, {tier}" if tier else numbers
    return tier or NOT_RECORDED


def parse_cpuinfo(text: str) -> dict:
    """vendor, family, model, stepping (ints where present) and isa of the first CPU of a /proc/cpuinfo text; Arm
    kernels report implementer and part, which become vendor and model."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break  # the first processor's block is enough: every core of one machine is alike here
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip().lower(), value.strip())
    out: dict = {}
    if "vendor_id" in fields:
        out["vendor"] = fields["vendor_id"]
        for key in ("cpu family", "model", "stepping"):
            if fields.get(key, "").isdigit():
                out[{"cpu family": "family"}.get(key, key)] = int(fields[key])
        out["isa"] = isa_of(fields.get("flags", ""))
    elif "cpu implementer" in fields:
        implementer = _hex(fields["cpu implementer"])
        out["vendor"] = ARM_VENDORS.get(implementer, fields["cpu implementer"]) if implementer is not None else ""
        part = _hex(fields.get("cpu part", ""))
        if part is not None:
            out["model"] = part
        out["isa"] = isa_of(fields.get("features", ""), ARM_FLAGS)
    return out


def _hex(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None
