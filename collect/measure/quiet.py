"""A terminal that says only what matters: framework start-up noise shows with -v only.

TensorFlow 2.16+ writes its C++ start-up lines (oneDNN notes, "Could not find cuda drivers on your machine",
`E0000 ... failed call to cuInit` on machines without a GPU) through absl before absl::InitializeLog() runs, and
those ignore TF_CPP_MIN_LOG_LEVEL (tensorflow/tensorflow#100442). So while the framework loads and finds its
devices, file descriptor 2 itself goes to a temporary file; what landed there is shown only if loading fails.
TF_CPP_MIN_LOG_LEVEL still quiets what TensorFlow logs later, and absl's Python logger is held to errors.
Nothing here imports a framework.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile

FRAMEWORK_LOGGERS = ("absl", "tensorflow")  # Python loggers of the frameworks: errors only without -v


def configure_logging(verbose: bool) -> None:
    """-v: debug lines with their time; otherwise the message alone (what a newcomer needs to read)."""
    fmt = "%(asctime)s %(levelname)s %(message)s" if verbose else "%(message)s"
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr, format=fmt, force=True)
    logging.getLogger("devicebench").setLevel(logging.NOTSET)  # a notebook's earlier run may have raised it
    for name in FRAMEWORK_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if verbose else logging.ERROR)


@contextlib.contextmanager
def startup(verbose: bool):
    """Around a framework's import and device discovery. -v: everything shows (TensorFlow's C++ logs included)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if verbose else "2")  # read at import, and by child processes
    if verbose:
        yield
        return
    with _stderr_to_file() as captured:
        try:
            yield
        except (ValueError, KeyboardInterrupt):
            raise  # a message of our own, or the user's interrupt: the noise would only hide it
        except BaseException:
            captured.show = True  # it failed: what the framework said may be why
            raise


class _Captured:
    def __init__(self, file):
        self.file, self.show = file, False


@contextlib.contextmanager
def _stderr_to_file():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no descriptor 2 (some embedded hosts): nothing to redirect
        yield _Captured(None)
        return
    with tempfile.TemporaryFile() as tmp:
        captured = _Captured(tmp)
        os.dup2(tmp.fileno(), 2)
        try:
            yield captured
        finally:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if captured.show:
                tmp.seek(0)
                sys.stderr.write(tmp.read().decode("utf-8", "replace"))
