"""Import TensorFlow without its start-up log lines.

TensorFlow prints notices while its shared libraries load (oneDNN, CPU
features, CUDA stubs), before ``TF_CPP_MIN_LOG_LEVEL`` is read, straight to
file descriptor 2.  ``quiet_import_tensorflow`` captures that descriptor while
TensorFlow loads and re-emits every line that is not one of those known
notices, so real errors still reach the user.  Set ``TF_CPP_MIN_LOG_LEVEL=0``
to see everything.

It also turns TensorFlow's oneDNN kernels on where the user has not chosen:
TensorFlow enables them by default only on CPUs with AVX-512 VNNI/BF16,
AVX-VNNI or AMX.  They train LeNet-5 about 2x and LeNet up to 2x faster on
the CPUs measured (the dropout CNN's 3x3 convolutions gain nothing on an AVX2
Zen 3; ``benchmarks/results/``), with the same results up to float
round-off.  ``TF_ENABLE_ONEDNN_OPTS=0`` keeps them off.  Like every
TensorFlow start-up setting, this only applies when sk_lenet is imported
before TensorFlow (``import sk_lenet`` sets it without loading TensorFlow);
where TensorFlow came first and left them off, the first fit warns once
(``warn_if_onednn_missed``).
"""

from __future__ import annotations

import logging
import os
import platform
import re
import sys
import tempfile
import warnings

_NOISE = re.compile(
    r"All log messages before absl::InitializeLog"
    r"|oneDNN custom operations are on"
    r"|cpu_feature_guard"
    r"|This TensorFlow binary is optimized"
    r"|To enable the following instructions"
    r"|rebuild TensorFlow with the appropriate compiler flags"
    r"|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|Could not find cuda drivers"
    r"|cuda_(dnn|fft|blas|executor|driver)\.cc"
    r"|TF-TRT Warning"
    r"|computation placer already registered"
    r"|failed call to cuInit"
    r"|Attempting to register factory for plugin"
)


class _DropRetracingWarning(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning.

    Every new network traces its own functions, so grid searches and
    cross-validation (many fits in one process) trip it although nothing is
    wrong.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


_onednn_warned = False


def onednn_missed() -> bool:
    """Whether TensorFlow runs without its oneDNN kernels only because it was
    imported before sk_lenet: nobody chose (``TF_ENABLE_ONEDNN_OPTS`` is
    unset), TensorFlow's own default left them off, its build has them
    (Linux or Windows on x86-64) and no GPU trains instead.  False where that
    cannot be told."""
    if "TF_ENABLE_ONEDNN_OPTS" in os.environ:
        return False
    if sys.platform not in ("linux", "win32") or platform.machine().lower() not in (
        "x86_64",
        "amd64",
    ):
        return False
    try:
        from tensorflow.python.util import _pywrap_util_port

        if _pywrap_util_port.IsMklEnabled():
            return False
    except (ImportError, AttributeError):  # a TensorFlow without that probe
        return False
    import tensorflow as tf

    return not tf.config.list_logical_devices("GPU")


def warn_if_onednn_missed(stacklevel: int = 2) -> None:
    """Warn, once per process, where :func:`onednn_missed`."""
    global _onednn_warned
    if _onednn_warned or not onednn_missed():
        return
    _onednn_warned = True
    warnings.warn(
        "TensorFlow was imported before sk_lenet and left its oneDNN kernels "
        "off on this CPU, so training runs up to ~3x slower (LeNet-5 on an "
        "AVX2 CPU). Import sk_lenet before tensorflow or keras, or set "
        "TF_ENABLE_ONEDNN_OPTS=1 in the environment before Python starts "
        "(TF_ENABLE_ONEDNN_OPTS=0 keeps them off and silences this warning).",
        UserWarning,
        stacklevel=stacklevel + 1,
    )


def quiet_import_tensorflow() -> None:
    """Import TensorFlow once, dropping its known start-up notices."""
    if "tensorflow" not in sys.modules:
        _import_without_notices()
    logger = logging.getLogger("tensorflow")
    if not any(isinstance(f, _DropRetracingWarning) for f in logger.filters):
        logger.addFilter(_DropRetracingWarning())


def _import_without_notices() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    if os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0":
        import tensorflow

        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable fd 2
        import tensorflow

        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("utf-8", errors="replace")
            kept = [ln for ln in text.splitlines() if ln and not _NOISE.search(ln)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")


quiet_import_tensorflow()
