"""Every script in examples/ runs in --quick mode (offline, seconds each).

The scripts run in a subprocess with an empty SCIKIT_LEARN_DATA, so MNIST and
CIFAR-10 examples fall back to the bundled digits and nothing is downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))

pytest.importorskip("matplotlib")

pytestmark = pytest.mark.slow


def test_every_tutorial_has_an_example():
    assert set(SCRIPTS) == {
        "airbench_cifar10.py",
        "cifar10_fast.py",
        "cifar10_lenet.py",
        "dropout_cnn_mnist.py",
        "grid_search.py",
        "lenet5_distorted.py",
        "lenet5_mnist.py",
        "lenet_mnist.py",
        "mlp_cifar10.py",
        "mlp_mnist.py",
        "mnist_best.py",
        "mnist_fast.py",
        "pipeline_pickle.py",
        "simplified_lenet_mnist.py",
    }


def test_every_recipe_has_one_example():
    from sk_lenet.recipes import RECIPES

    texts = {script: (EXAMPLES / script).read_text() for script in SCRIPTS}
    for name in RECIPES:
        scripts = [script for script, text in texts.items() if f'"{name}"' in text]
        assert len(scripts) == 1, f"recipe {name}: examples {scripts}"


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs_quick(script, tmp_path):
    if script == "grid_search.py":
        pytest.importorskip("pandas")
    empty_cache = tmp_path / "scikit_learn_data"
    empty_cache.mkdir()
    out_dir = tmp_path / "out"
    env = {**os.environ, "SCIKIT_LEARN_DATA": str(empty_cache)}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--quick", "--output-dir", out_dir],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "accuracy:" in proc.stdout
    assert "macro avg" in proc.stdout  # the classification report
    curves = list(out_dir.glob("*_learning_curves.png"))
    assert len(curves) == 1 and curves[0].stat().st_size > 5000
    assert not list(empty_cache.rglob("*.arff*"))  # --quick never downloads
