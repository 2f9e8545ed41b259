"""The Keras dtype policies a network may be built with, and whether this
CPU computes bfloat16 natively.

Apart from ``base.py``, which starts TensorFlow, so that the command line and
the benchmarks can offer them without starting it.
"""

# float32, or mixed precision (low-precision compute, float32 weights; the
# softmax stays float32).
DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")


# CPU flags (Linux /proc/cpuinfo) of native bfloat16 arithmetic, which oneDNN
# needs for fast bfloat16 kernels; without them TensorFlow emulates bfloat16.
_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_fields(cpuinfo: str = "/proc/cpuinfo") -> dict[str, str] | None:
    """The first processor's fields in Linux's ``/proc/cpuinfo`` ("model
    name", "cpu family", "flags", ...); None where there is no such file."""
    fields: dict[str, str] = {}
    try:
        with open(cpuinfo, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        return None
    return fields


def cpu_has_native_bf16(cpuinfo: str = "/proc/cpuinfo") -> bool | None:
    """Whether the CPU has AVX512-BF16 or AMX-BF16; None where unknown
    (no ``/proc/cpuinfo``: not Linux)."""
    fields = cpu_fields(cpuinfo)
    if fields is None or "flags" not in fields:
        return None
    return any(flag in fields["flags"].split() for flag in _BF16_FLAGS)


def warn_if_emulated(dtype_policy: str, stacklevel: int = 2) -> None:
    """Warn where ``mixed_bfloat16`` would be emulated: Linux reports a CPU
    without native bfloat16 and no GPU is visible (slower than float32)."""
    if dtype_policy != "mixed_bfloat16" or cpu_has_native_bf16() is not False:
        return
    import warnings

    import tensorflow as tf

    if tf.config.list_logical_devices("GPU"):
        return
    warnings.warn(
        "dtype_policy='mixed_bfloat16' on a CPU without native bfloat16 "
        "(AVX512-BF16 or AMX): TensorFlow emulates it, which trains "
        "slower than float32 (a CIFAR-10 MLP epoch took 1.8x as long on "
        "an AVX2-only CPU). Use dtype_policy='float32' on this machine.",
        UserWarning,
        stacklevel=stacklevel + 1,
    )
