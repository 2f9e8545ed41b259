"""The Keras dtype policies a network may be built with.

Apart from ``base.py``, which starts TensorFlow, so that the command line and
the benchmarks can offer them without starting it.
"""

# float32, or mixed precision (low-precision compute, float32 weights; the
# softmax stays float32).
DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
