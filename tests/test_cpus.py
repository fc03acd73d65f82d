"""The CPU generation table (collect.contract.cpus) and the OS readers that feed it (collect.measure.cpuinfo):
realistic /proc/cpuinfo texts of cloud VMs and a Graviton, this machine's shape, and fake Mac sysctls."""

from __future__ import annotations

import pytest

from collect.contract import cpus
from collect.measure import cpuinfo

AMD, INTEL = "AuthenticAMD", "GenuineIntel"


@pytest.mark.parametrize("family, model, expected", [
    (23, 0x01, "Zen/Zen+"),  # EPYC 7001 (Naples)
    (23, 0x08, "Zen/Zen+"),  # Ryzen 2000 (Pinnacle Ridge)
    (23, 0x31, "Zen 2"),  # EPYC 7002 (Rome)
    (23, 0x71, "Zen 2"),  # Ryzen 3000 (Matisse)
    (25, 0x01, "Zen 3"),  # EPYC 7003 (Milan)
    (25, 0x21, "Zen 3"),  # Ryzen 5000 (Vermeer)
    (25, 0x50, "Zen 3"),  # Cezanne
    (25, 0x11, "Zen 4"),  # EPYC 9004 (Genoa)
    (25, 0x61, "Zen 4"),  # Ryzen 7000 (Raphael)
    (25, 0xA0, "Zen 4"),  # Bergamo
    (26, 0x02, "Zen 5"),  # EPYC 9005 (Turin)
    (26, 0x44, "Zen 5"),  # Ryzen 9000 (Granite Ridge)
])
def test_amd_generations_by_family_and_model(family, model, expected):
    assert cpus.arch_of(AMD, family, model, 0) == expected


@pytest.mark.parametrize("model, stepping, expected", [
    (0x3F, 2, "Haswell"), (0x3C, 3, "Haswell"),
    (0x55, 4, "Skylake-SP"), (0x55, 7, "Cascade Lake"), (0x55, 11, "Cooper Lake"),
    (0x55, None, "Skylake-SP/Cascade Lake"),  # no stepping: the two cannot be told apart
    (0x6A, 6, "Ice Lake-SP"), (0x8F, 8, "Sapphire Rapids"), (0xCF, 2, "Emerald Rapids"),
    (0xAD, 1, "Granite Rapids"), (0x97, 2, "Alder Lake"), (0x9A, 3, "Alder Lake"),
])
def test_intel_generations_by_model_and_stepping(model, stepping, expected):
    assert cpus.arch_of(INTEL, 6, model, stepping) == expected


@pytest.mark.parametrize("brand, expected", [
    ("Apple M1", "M1"), ("Apple M2 Pro", "M2 Pro"), ("Apple M3 Max", "M3 Max"), ("Apple M4", "M4"),
    ("Apple M2 Ultra", "M2 Ultra"),
])
def test_apple_chips_by_brand(brand, expected):
    assert cpus.arch_of("Apple", brand=brand) == expected


@pytest.mark.parametrize("part, expected", [(0xD0C, "Neoverse N1"), (0xD40, "Neoverse V1"), (0xD4F, "Neoverse V2")])
def test_neoverse_by_part(part, expected):
    assert cpus.arch_of("ARM", None, part) == expected


@pytest.mark.parametrize("vendor, family, model", [
    (AMD, 27, 0x00),  # a family after Zen 5
    (INTEL, 19, 0x01),  # a family the table does not know
    (INTEL, 6, 0x01),  # a model number the table does not list
    ("HygonGenuine", 24, 0x00),  # a vendor the table does not know
    ("ARM", None, 0xFFF),  # an Arm part the table does not know
])
def test_beyond_the_table_is_unknown(vendor, family, model):
    assert cpus.arch_of(vendor, family, model, 0) == cpus.UNKNOWN


def test_a_model_whose_generation_lacks_a_reported_isa_is_unknown():
    """A hypervisor shows model 167 (Rocket Lake, AVX-512 at most) on a CPU that reports AMX: this machine."""
    amx = "avx avx2 fma avx512f amx_tile amx_bf16"
    assert cpus.arch_of(INTEL, 6, 167, 1) == "Rocket Lake"
    assert cpus.arch_of(INTEL, 6, 167, 1, isa=amx) == cpus.UNKNOWN
    assert cpus.arch_of(AMD, 25, 0x01, 0, isa="avx avx2 fma avx512f") == cpus.UNKNOWN  # Zen 3 has no AVX-512
    assert cpus.arch_of(AMD, 25, 0x01, 0, isa="avx avx2 fma") == "Zen 3"  # a lesser ISA is fine (masked flags)


@pytest.mark.parametrize("isa, tier", [
    ("avx avx2 fma", "AVX2"), ("avx avx2 fma avx512f avx512_vnni", "AVX-512"), ("avx512f amx_tile amx_bf16", "AMX"),
    ("avx", "AVX"), ("fma", "SSE"), ("", ""), (None, ""),
    ("neon dotprod", "NEON"), ("neon sve bf16 i8mm", "SVE"), ("neon sve2", "SVE"), ("neon bf16 sme sme2", "SME"),
])
def test_isa_tier(isa, tier):
    assert cpus.isa_tier(isa) == tier


@pytest.mark.parametrize("arch, isa, family, model, expected", [
    ("Zen 3", "avx avx2 fma", 25, 1, "Zen 3, AVX2"),
    ("Zen 5", "avx avx2 fma avx512f", 26, 2, "Zen 5, AVX-512"),
    ("unknown", "avx512f amx_tile", 6, 167, "family 6 model 167, AMX"),
    ("unknown", "", 25.0, float("nan"), "family 25"),  # CSV cells: floats, a NaN model left out
    ("M2", "", None, None, "M2"),
    ("", "avx2", None, None, "AVX2"),
    ("", "", None, None, cpus.NOT_RECORDED),
    ("", "", "", "", cpus.NOT_RECORDED),
])
def test_generation(arch, isa, family, model, expected):
    assert cpus.generation(arch, isa, family, model) == expected


ZEN3_VM = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 1
model name\t: AMD EPYC Processor
stepping\t: 1
microcode\t: 0x1000065
cpu MHz\t\t: 2449.998
cache size\t: 512 KB
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht \
syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid tsc_known_freq \
pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm \
cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext invpcid_single ssbd ibrs ibpb stibp vmmcall \
fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 \
clzero xsaveerptr arat npt nrip_save umip vaes vpclmulqdq rdpid fsrm
bogomips\t: 4899.99

processor\t: 1
vendor_id\t: AuthenticAMD
"""

ZEN5_VM = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC Processor
stepping\t: 1
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht \
syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid pni pclmulqdq \
ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy abm \
sse4a misalignsse 3dnowprefetch topoext ssbd ibrs ibpb stibp vmmcall fsgsbase bmi1 avx2 smep bmi2 erms invpcid \
avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec \
xgetbv1 xsaves avx_vnni avx512_bf16 clzero xsaveerptr arat npt nrip_save avx512vbmi umip pku ospke avx512_vbmi2 gfni \
vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq rdpid movdiri movdir64b fsrm avx512_vp2intersect

"""

SAPPHIRE_RAPIDS = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 143
model name\t: Intel(R) Xeon(R) Platinum 8488C
stepping\t: 8
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht \
syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid aperfmperf tsc_known_freq pni \
pclmulqdq ssse3 fma cx16 pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand \
hypervisor lahf_lm abm 3dnowprefetch invpcid_single ssbd ibrs ibpb stibp ibrs_enhanced fsgsbase tsc_adjust bmi1 avx2 \
smep bmi2 erms invpcid avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl \
xsaveopt xsavec xgetbv1 xsaves avx_vnni avx512_bf16 wbnoinvd ida arat avx512vbmi umip pku ospke waitpkg avx512_vbmi2 \
gfni vaes vpclmulqdq avx512_vnni avx512_bitalg tme avx512_vpopcntdq rdpid cldemote movdiri movdir64b md_clear \
serialize amx_bf16 avx512_fp16 amx_tile amx_int8 flush_l1d arch_capabilities
"""

# The shape of this machine's own /proc/cpuinfo: a VM that shows model 167 (a Rocket Lake number) with AMX flags.
THIS_MACHINE = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 167
model name\t: Intel(R) Xeon(R) Processor
stepping\t: 1
microcode\t: 0x1
cpu MHz\t\t: 2599.998
cache size\t: 491520 KB
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht \
syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid tsc_known_freq pni pclmulqdq \
ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm \
abm 3dnowprefetch cpuid_fault fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm avx512f avx512dq rdseed \
adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx_vnni \
avx512_bf16 arat avx512vbmi umip avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq rdpid \
cldemote movdiri movdir64b fsrm serialize tsxldtrk amx_bf16 avx512_fp16 amx_tile amx_int8 arch_capabilities
bugs\t\t: spectre_v1 spectre_v2 spec_store_bypass swapgs retbleed bhi spectre_v2_user its its_native_only

processor\t: 1
vendor_id\t: GenuineIntel
cpu family\t: 6
"""

GRAVITON3 = """processor\t: 0
BogoMIPS\t: 2100.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma lrcpc dcpop \
sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm svebf16 i8mm bf16 dgh rng
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x1
CPU part\t: 0xd40
CPU revision\t: 1

processor\t: 1
"""

GRAVITON2 = GRAVITON3.replace("0xd40", "0xd0c").replace(
    "jscvt fcma lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp svei8mm "
    "svebf16 i8mm bf16 dgh rng", "lrcpc dcpop asimddp ssbs")


@pytest.mark.parametrize("text, brand, expected", [
    (ZEN3_VM, "AMD EPYC Processor", dict(cpu_vendor=AMD, cpu_family=25, cpu_model=1, cpu_stepping=1, cpu_arch="Zen 3",
                                        cpu_isa="avx avx2 fma")),
    (ZEN5_VM, "AMD EPYC Processor", dict(cpu_vendor=AMD, cpu_family=26, cpu_model=2, cpu_stepping=1, cpu_arch="Zen 5",
                                        cpu_isa="avx avx2 fma avx512f avx512_bf16 avx512_vnni avx_vnni")),
    (SAPPHIRE_RAPIDS, "Intel(R) Xeon(R) Platinum 8488C", dict(
        cpu_vendor=INTEL, cpu_family=6, cpu_model=143, cpu_stepping=8, cpu_arch="Sapphire Rapids",
        cpu_isa="avx avx2 fma avx512f avx512_bf16 avx512_vnni avx512_fp16 avx_vnni amx_tile amx_bf16 amx_int8")),
    (THIS_MACHINE, "Intel(R) Xeon(R) Processor", dict(
        cpu_vendor=INTEL, cpu_family=6, cpu_model=167, cpu_stepping=1, cpu_arch=cpus.UNKNOWN,
        cpu_isa="avx avx2 fma avx512f avx512_bf16 avx512_vnni avx512_fp16 avx_vnni amx_tile amx_bf16 amx_int8")),
    (GRAVITON3, "", dict(cpu_vendor="ARM", cpu_family="", cpu_model=0xD40, cpu_stepping="", cpu_arch="Neoverse V1",
                         cpu_isa="neon sve bf16 i8mm dotprod")),
    (GRAVITON2, "", dict(cpu_vendor="ARM", cpu_family="", cpu_model=0xD0C, cpu_stepping="", cpu_arch="Neoverse N1",
                         cpu_isa="neon dotprod")),
])
def test_linux_cpuinfo_texts(text, brand, expected):
    assert cpuinfo.linux_identity(text, brand) == expected


def test_zen3_vm_named_only_amd_epyc_is_zen3_avx2_and_zen5_is_avx512():
    zen3, zen5 = cpuinfo.linux_identity(ZEN3_VM, "AMD EPYC Processor"), cpuinfo.linux_identity(ZEN5_VM, "AMD EPYC Processor")
    assert "avx512" not in zen3["cpu_isa"]
    assert cpus.generation(zen3["cpu_arch"], zen3["cpu_isa"]) == "Zen 3, AVX2"
    assert cpus.generation(zen5["cpu_arch"], zen5["cpu_isa"]) == "Zen 5, AVX-512"
    assert cpus.generation(*(cpuinfo.linux_identity(THIS_MACHINE)[k] for k in ("cpu_arch", "cpu_isa", "cpu_family",
                                                                             "cpu_model"))) == "family 6 model 167, AMX"


@pytest.mark.parametrize("text", ["", "processor\t: 0\nmodel name\t: POWER9 (architected)\n"])
def test_a_cpuinfo_without_vendor_records_nothing(text):
    assert cpuinfo.linux_identity(text) == dict.fromkeys(cpuinfo.FIELDS, "")


def fake_run(outputs):
    calls = []

    def run(args, timeout=5.0):
        calls.append(" ".join(args))
        return outputs.get(" ".join(args), "")
    run.calls = calls
    return run


def mac(brand, **flags):
    """A Mac's sysctl: the brand string and hw.optional.* values ("1", "0"; a key left out does not exist)."""
    keys = {"bf16": "hw.optional.arm.FEAT_BF16", "i8mm": "hw.optional.arm.FEAT_I8MM", "sme": "hw.optional.arm.FEAT_SME",
            "sme2": "hw.optional.arm.FEAT_SME2", "dotprod": "hw.optional.arm.FEAT_DotProd", "neon": "hw.optional.neon"}
    outputs = {"sysctl -n machdep.cpu.brand_string": brand, "sysctl -n hw.model": "Mac15,9"}
    outputs.update({f"sysctl -n {keys[name]}": value for name, value in flags.items()})
    return fake_run(outputs)


@pytest.mark.parametrize("brand, flags, arch, isa, tier", [
    ("Apple M1", dict(neon="1", dotprod="1", bf16="0", i8mm="0"), "M1", "neon dotprod", "NEON"),
    ("Apple M2 Pro", dict(neon="1", dotprod="1", bf16="1", i8mm="1"), "M2 Pro", "neon bf16 i8mm dotprod", "NEON"),
    ("Apple M3 Max", dict(neon="1", dotprod="1", bf16="1", i8mm="1", sme="0"), "M3 Max", "neon bf16 i8mm dotprod", "NEON"),
    ("Apple M4", dict(neon="1", dotprod="1", bf16="1", i8mm="1", sme="1", sme2="1"), "M4",
     "neon bf16 i8mm sme sme2 dotprod", "SME"),
])
def test_mac_sysctl(brand, flags, arch, isa, tier):
    run = mac(brand, **flags)
    got = cpuinfo.cpu_identity("Darwin", run, brand=brand)
    assert got == dict(cpu_vendor="Apple", cpu_family="", cpu_model="", cpu_stepping="", cpu_arch=arch, cpu_isa=isa)
    assert cpus.isa_tier(got["cpu_isa"]) == tier
    assert cpuinfo.host_product("Darwin", run) == "Mac15,9"


def test_intel_mac_from_machdep_cpu():
    run = fake_run({
        "sysctl -n machdep.cpu.vendor": "GenuineIntel", "sysctl -n machdep.cpu.family": "6",
        "sysctl -n machdep.cpu.model": "158", "sysctl -n machdep.cpu.stepping": "13",
        "sysctl -n machdep.cpu.features": "FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36 CLFSH DS "
                                          "ACPI MMX FXSR SSE SSE2 SS HTT TM PBE SSE3 PCLMULQDQ DTES64 MON DSCPL VMX SMX EST "
                                          "TM2 SSSE3 FMA CX16 TPR PDCM SSE4.1 SSE4.2 x2APIC MOVBE POPCNT AES PCID XSAVE "
                                          "OSXSAVE SEGLIM64 TSCTMR AVX1.0 RDRAND F16C",
        "sysctl -n machdep.cpu.leaf7_features": "RDWRFSGS TSC_THREAD_OFFSET SGX BMI1 HLE AVX2 SMEP BMI2 ERMS INVPCID RTM FPU_CSDS "
                                                "MPX RDSEED ADX SMAP CLFSOPT IPT SGXLC MDCLEAR TSXFA IBRS STIBP L1DF SSBD",
    })
    brand = "Intel(R) Core(TM) i9-9880H CPU @ 2.30GHz"
    assert cpuinfo.cpu_identity("Darwin", run, brand=brand) == dict(
        cpu_vendor=INTEL, cpu_family=6, cpu_model=158, cpu_stepping=13, cpu_arch="Kaby/Coffee Lake", cpu_isa="avx avx2 fma")


@pytest.mark.parametrize("processor, expected", [
    ("Intel64 Family 6 Model 143 Stepping 8, GenuineIntel", (INTEL, 6, 143, 8, "Sapphire Rapids")),
    ("AMD64 Family 25 Model 97 Stepping 2, AuthenticAMD", (AMD, 25, 97, 2, "Zen 4")),
])
def test_windows_processor_string(processor, expected):
    got = cpuinfo.cpu_identity("Windows", fake_run({}), processor=processor)
    assert tuple(got[k] for k in cpuinfo.FIELDS[:5]) == expected and got["cpu_isa"] == ""
    assert cpuinfo.cpu_identity("Windows", fake_run({}), processor="ARMv8 (64-bit) Family 8 Model 1 Revision 0") == \
        dict.fromkeys(cpuinfo.FIELDS, "")
