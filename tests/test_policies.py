"""sk_lenet._policies: dtype policies and the bfloat16 warning."""

from __future__ import annotations

import pytest

from sk_lenet import (
    LeNet5Classifier,
)
from tests.conftest import fast


@pytest.mark.parametrize("native", [True, False, None])
def test_bfloat16_warns_where_the_cpu_would_emulate_it(
    small_digits, monkeypatch, native
):
    import warnings

    import tensorflow as tf

    from sk_lenet import _policies

    X, _, y, _ = small_digits
    monkeypatch.setattr(_policies, "cpu_has_native_bf16", lambda: native)
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [])
    clf = fast(LeNet5Classifier, batch_size=100, dtype_policy="mixed_bfloat16")
    if native is False:  # AVX2-only, say: measured slower than float32
        with pytest.warns(UserWarning, match="Use dtype_policy='float32'"):
            clf.fit(X, y)
    else:  # native bfloat16, or a CPU we cannot read: nothing to say
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message="dtype_policy=")
            clf.fit(X, y)
    # float32 never warns.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="dtype_policy=")
        clf.set_params(dtype_policy="float32").fit(X, y)


def test_cpu_bf16_flags_are_read_from_cpuinfo(tmp_path):
    from sk_lenet._policies import cpu_has_native_bf16

    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f\n")
    assert cpu_has_native_bf16(str(info)) is False
    info.write_text("flags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert cpu_has_native_bf16(str(info)) is True
    assert cpu_has_native_bf16(str(tmp_path / "absent")) is None
