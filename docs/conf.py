"""Sphinx configuration of the sk_lenet documentation.

Build (warning-free, offline)::

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import glob
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import sk_lenet  # noqa: E402

project = "sk_lenet"
author = "sk_lenet developers"
copyright = "sk_lenet developers"
release = sk_lenet.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

autosummary_generate = False  # api.rst documents objects in place
autodoc_typehints = "none"  # numpydoc sections carry the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# No intersphinx: the build must work offline.  References to scikit-learn,
# NumPy or Keras objects render as code without links.

try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
    }
except ImportError:  # pragma: no cover - fall back to the default theme
    html_theme = "alabaster"

html_title = f"sk_lenet {release}"
html_static_path: list[str] = []

myst_heading_anchors = 2


SUMMARY_MARKER = ".. benchmark-summary-table::"
BEYOND_MARKER = ".. beyond-table::"
CURVES_MARKER = ".. beyond-curves::"


def _beyond_table(source):
    """Fill beyond.rst: the recipes' results table and per-epoch test
    accuracies that benchmarks/summary.py reads from
    benchmarks/results/beyond.json."""
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        import summary
    finally:
        sys.path.pop(0)
    from sk_lenet.recipes import RECIPES

    for marker in (BEYOND_MARKER, CURVES_MARKER):
        if marker not in source[0]:
            raise ValueError(f"docs/beyond.rst lacks the line {marker!r}")
    doc = summary.load_beyond()
    table = summary.beyond_table_rst(doc, RECIPES)
    curves = summary.beyond_curves_rst(doc, RECIPES)
    source[0] = source[0].replace(BEYOND_MARKER, table)
    source[0] = source[0].replace(CURVES_MARKER, curves)


def _add_benchmark_results(app, docname, source):
    """Fill benchmarks.rst: the summary table that benchmarks/summary.py reads
    from benchmarks/results/tutorials*.json, then every
    benchmarks/results/*.md table, the machines' in the summary's order; and
    beyond.rst's table."""
    if docname == "beyond":
        _beyond_table(source)
        return
    if docname != "benchmarks":
        return
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        import summary
    finally:
        sys.path.pop(0)
    docs = summary.load()
    if SUMMARY_MARKER not in source[0]:
        raise ValueError(f"docs/benchmarks.rst lacks the line {SUMMARY_MARKER!r}")
    source[0] = source[0].replace(SUMMARY_MARKER, summary.benchmarks_summary_rst(docs))
    results = os.path.join(ROOT, "benchmarks", "results")
    names = [doc["file"].removesuffix(".json") + ".md" for doc in docs]
    names += sorted(
        os.path.basename(p)
        for p in glob.glob(os.path.join(results, "*.md"))
        if os.path.basename(p) not in names
    )
    parts = []
    for name in names:
        rel = os.path.relpath(os.path.join(results, name), os.path.dirname(__file__))
        parts.append(
            f"\n.. include:: {rel.replace(os.sep, '/')}\n"
            "   :parser: myst_parser.sphinx_\n"
            f"\n*Source:* ``benchmarks/results/{name}``\n"
        )
    source[0] += "\n" + "\n".join(parts)


def _always_reread_benchmarks(app, env, added, changed, removed):
    # new result files must show up in incremental builds too
    return ["benchmarks", "beyond"]


def setup(app):
    app.connect("source-read", _add_benchmark_results)
    app.connect("env-get-outdated", _always_reread_benchmarks)
    return {"parallel_read_safe": True}
