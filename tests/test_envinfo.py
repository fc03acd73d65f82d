"""Fingerprint probes with fake commands and environments: Kaggle, Colab, CI, Macs, Rosetta."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from collect.contract.record import check_env
from collect.measure import envinfo


@pytest.mark.parametrize("environ, colab_importable, expected", [
    ({"KAGGLE_KERNEL_RUN_TYPE": "Interactive", "COLAB_RELEASE_TAG": "x"}, True, "kaggle"),  # Kaggle checked first
    ({"COLAB_RELEASE_TAG": "release-colab_20261101"}, False, "colab"),
    ({}, True, "colab"),
    ({"CI": "true"}, False, "ci"),
    ({"GITHUB_ACTIONS": "true"}, False, "ci"),
    ({}, False, "local"),
])
def test_detect_platform(environ, colab_importable, expected):
    assert envinfo.detect_platform(environ, has_module=lambda name: colab_importable and name == "google.colab") == expected


def fake_run(outputs):
    return lambda args, timeout=5.0: outputs.get(" ".join(args), "")


def test_mac_cpu_gpu_cores_and_rosetta():
    run = fake_run({
        "sysctl -n machdep.cpu.brand_string": "Apple M1 Max",
        "system_profiler SPDisplaysDataType": "Chipset Model: Apple M1 Max\n  Type: GPU\n  Total Number of Cores: 32\n",
        "sysctl -n sysctl.proc_translated": "1",
    })
    assert envinfo.cpu_name("Darwin", run=run) == "Apple M1 Max"
    assert envinfo.apple_gpu_cores(run=run) == 32
    assert envinfo.rosetta("Darwin", run=run) == "yes"
    assert envinfo.rosetta("Darwin", run=fake_run({"sysctl -n sysctl.proc_translated": "0"})) == "no"
    assert envinfo.rosetta("Linux", run=run) == ""


def test_linux_cpu_name_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8488C\n")
    assert envinfo.cpu_name("Linux", cpuinfo_path=str(info)) == "Intel(R) Xeon(R) Platinum 8488C"


def test_missing_commands_give_empty_answers():
    assert envinfo.run(["definitely-not-a-command-devicebench"]) == ""
    assert envinfo.apple_gpu_cores(run=fake_run({})) is None


@pytest.mark.parametrize("battery, expected", [
    (SimpleNamespace(power_plugged=True), "ac"), (SimpleNamespace(power_plugged=False), "battery"),
])
def test_power_source(battery, expected):
    assert envinfo.power_source(battery) == expected


@pytest.mark.parametrize("platform, name, kind, expected", [
    ("colab", "Tesla T4", "cuda", "colab-tesla-t4-cuda"),
    ("kaggle", "Tesla P100-PCIE-16GB", "cuda", "kaggle-tesla-p100-pcie-16gb-cuda"),
    ("local", "Apple M1 Max", "mps", "apple-m1-max-mps"),
    ("local", "Intel(R) Xeon(R) Platinum 8488C", "cpu", "intel-xeon-platinum-8488c-cpu"),
    ("local", "NVIDIA GeForce RTX 4090", "cuda", "geforce-rtx-4090-cuda"),
    ("local", "Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz", "cpu", "intel-core-i7-9750h-cpu"),
    ("ci", "", "cpu", "ci-unknown-device-cpu"),
    ("local", "A" * 100, "cuda", "a" * 59 + "-cuda"),
])
def test_default_env_is_a_valid_readable_slug(platform, name, kind, expected):
    env = envinfo.default_env(platform, name, kind)
    assert env == expected
    check_env(env)


def test_fingerprint_fields_are_record_fields():
    from collect.contract.record import FIELDS

    fp = envinfo.fingerprint()
    assert set(fp) <= set(FIELDS)
    assert fp["python_version"] and fp["harness_version"]
