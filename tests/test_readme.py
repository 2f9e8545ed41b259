"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def _run(block):
    exec(compile(block, str(README), "exec"), {"__name__": "readme"})


def test_readme_has_both_examples():
    assert len(BLOCKS) == 2
    assert "fetch_mnist" in BLOCKS[1]


def test_usage_example_runs(capsys):
    _run(BLOCKS[0])
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out  # the classification report


@pytest.mark.real_data
@pytest.mark.slow
def test_mnist_example_runs_on_the_real_data(real_mnist_home, monkeypatch, capsys):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(real_mnist_home))
    _run(BLOCKS[1])
    accuracy = float(capsys.readouterr().out.rsplit(":", 1)[1])
    assert accuracy > 0.95  # the tutorial reaches 98.54% after 5 epochs


def _summary(monkeypatch):
    monkeypatch.syspath_prepend(str(README.parent / "benchmarks"))
    import summary

    return summary, summary.load()


def test_model_table_is_what_the_committed_results_give(monkeypatch):
    # Every measured accuracy in the README comes from benchmarks/results/.
    summary, docs = _summary(monkeypatch)
    assert summary.readme_model_table(docs) in README.read_text()


def test_recipe_table_is_what_the_committed_results_give(monkeypatch):
    summary, _ = _summary(monkeypatch)
    from sk_lenet.recipes import RECIPES

    table = summary.readme_beyond_table(summary.load_beyond(), RECIPES)
    assert table in README.read_text()


def test_speed_lines_quote_the_benchmarks_range_and_link_the_page(monkeypatch):
    summary, docs = _summary(monkeypatch)
    text = README.read_text()
    low, high = summary.fit_ratio_range(docs)
    speed = text.split("## Speed", 1)[1].split("\n## ", 1)[0].strip()
    assert f"{low:.2f}× to {high:.2f}×" in speed
    assert "docs/benchmarks.rst" in speed
    assert len(speed.splitlines()) <= 5
    # The lab notebook stays on the benchmarks page.
    lab = (r"\bgit [0-9a-f]{7}", r"\bsteal", r"\bfloor", r"\b20\d\d-\d\d-\d\d")
    for pattern in lab:
        assert not re.search(pattern, text), pattern
