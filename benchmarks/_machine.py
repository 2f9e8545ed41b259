"""The machine a benchmark runs on, read by the harness itself from Linux's
``/proc/cpuinfo`` (the benchmarks use sk_lenet's public API only)."""

from __future__ import annotations

# Native bfloat16 arithmetic: with these, oneDNN runs mixed_bfloat16 fast;
# without them TensorFlow emulates bfloat16.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")

# The vector extensions that decide which kernels oneDNN runs (AVX-512 and
# bfloat16 most of all): two CPUs of one name can differ in them.
ISA = ("avx2", "avx512f", *BF16_FLAGS)

# The estimators' documented ``dtype_policy`` values.
DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")


def cpu_fields(cpuinfo: str = "/proc/cpuinfo") -> dict[str, str] | None:
    """The first processor's fields in ``/proc/cpuinfo`` ("model name",
    "cpu family", "flags", ...); None where there is no such file."""
    fields: dict[str, str] = {}
    try:
        with open(cpuinfo, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    if fields:
                        break  # the first processor's block is enough
                    continue
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        return None
    return fields
