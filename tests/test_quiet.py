"""A terminal that says only what matters: framework start-up noise is hidden unless -v (or loading fails)."""

from __future__ import annotations

import logging
import os

import pytest

from collect.measure import quiet


@pytest.fixture(autouse=True)
def _keep_environment(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)  # startup() sets it; monkeypatch puts it back


def test_what_a_framework_writes_to_descriptor_2_while_it_loads_shows_only_with_v(capfd):
    with quiet.startup(verbose=False):
        os.write(2, b"I0000 00:00:1 port.cc:153] oneDNN custom operations are on.\n")  # C++ code: the descriptor
    assert capfd.readouterr().err == "" and os.environ["TF_CPP_MIN_LOG_LEVEL"] == "2"
    os.write(2, b"after\n")  # the descriptor is back
    assert capfd.readouterr().err == "after\n"


def test_with_v_everything_shows(capfd, monkeypatch):
    with quiet.startup(verbose=True):
        os.write(2, b"E0000 cuda_platform.cc:52] failed call to cuInit\n")
    assert "failed call to cuInit" in capfd.readouterr().err and os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


def test_a_framework_that_fails_to_load_shows_what_it_said(capfd):
    with pytest.raises(ImportError), quiet.startup(verbose=False):
        os.write(2, b"libcudart.so.12: cannot open shared object file\n")
        raise ImportError("tensorflow")
    assert "cannot open shared object file" in capfd.readouterr().err
    with pytest.raises(ValueError), quiet.startup(verbose=False):  # our own one-line errors need no noise beside
        os.write(2, b"noise\n")
        raise ValueError("`models`: 'resnet18' is neither ...")
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("verbose", [False, True])
def test_log_lines_are_the_message_alone_and_absl_speaks_up_with_v_only(verbose):
    quiet.configure_logging(verbose)
    assert logging.getLogger("absl").getEffectiveLevel() == (logging.DEBUG if verbose else logging.ERROR)
    assert ("%(asctime)s" in logging.getLogger().handlers[0].formatter._fmt) == verbose
