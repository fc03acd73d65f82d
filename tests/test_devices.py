"""One device key per physical device: the spellings in results/ and the ones drivers and people write."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from collect.contract.devices import device_key, device_keys

SPELLINGS = {  # as drivers, OS tools and contributors write them -> the key
    "NVIDIA GeForce RTX 4090": "RTX 4090",
    "RTX 4090": "RTX 4090",
    "NVIDIA  GeForce  RTX 4090 ": "RTX 4090",
    "AMD Radeon RX 7800 XT": "Radeon RX 7800 XT",
    "AMD  Radeon RX 7800 XT": "Radeon RX 7800 XT",
    "Tesla T4": "T4",
    "NVIDIA A100-SXM4-40GB": "A100-SXM4-40GB",
    "NVIDIA RTX A6000": "RTX A6000",
    "NVIDIA H200": "H200",
    "Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz": "Core i7-9750H",
    "Intel® Core™ i7-9750H": "Core i7-9750H",
    "AMD Ryzen 7 5800H with Radeon Graphics": "Ryzen 7 5800H",
    "Apple M2 Pro": "M2 Pro",
    "NVIDIA": "NVIDIA",  # all brand: the brand is all there is
    "": "",
}


@pytest.mark.parametrize("name, key", SPELLINGS.items())
def test_a_spelling_gives_its_key(name, key):
    assert device_key(name) == key


def test_the_spellings_in_results_merge_as_the_devices_they_are():
    names = pd.concat([pd.read_csv(path, dtype=str, usecols=lambda c: c == "device_name")
                       for path in sorted((ROOT / "results").glob("*.csv"))])["device_name"].dropna()
    keys = device_keys(names)
    assert keys["NVIDIA GeForce RTX 3090"] == "RTX 3090"
    assert keys["Intel(R) Xeon(R) Processor"] == "Xeon"
    assert keys["Apple M1 (MacBook Air 2020, 16 GB)"] == "M1"
    m1_max = [name for name in keys if name.startswith("Apple M1 Max 32-core GPU")]
    assert len(m1_max) == 3 and {keys[name] for name in m1_max} == {"M1 Max 32-core GPU"}  # laptop, studio, Metal
    assert keys["AMD EPYC"] == "EPYC"
    found = set(keys.values())
    assert {"RTX 3090", "Xeon", "EPYC", "M1", "M1 Max 32-core GPU"} <= found  # the ancestors' and measured devices
    assert len(found) == len({key.casefold() for key in found})  # no device under two spellings
    # the published tables' spellings of one GPU (driver names of several years) are one device
    assert keys["NVIDIA A100-SXM4-40GB"] == "A100-SXM4-40GB" and "A100 SXM4 40GB" not in found


def test_case_variants_take_the_most_common_spelling():
    keys = device_keys(["rtx 3090", "NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 3090"])
    assert set(keys.values()) == {"RTX 3090"}
    assert device_keys(["rtx 3090", "RTX 3090"], weights=[5, 1])["RTX 3090"] == "rtx 3090"


@settings(max_examples=examples(200))  # DEVICEBENCH_EXAMPLES=N: N random ones (conftest.py)
@given(st.text(alphabet=st.sampled_from(list("aAbB019 -()®™@.,GHzNVIDAnvida")), max_size=30))
def test_a_key_is_its_own_key_and_never_grows(name):
    key = device_key(name)
    assert device_key(key) == key and len(key) <= len(name)
    assert key == key.strip() and "  " not in key
