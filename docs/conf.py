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


def _add_benchmark_results(app, docname, source):
    """Append every benchmarks/results/*.md table to benchmarks.rst."""
    if docname != "benchmarks":
        return
    files = sorted(glob.glob(os.path.join(ROOT, "benchmarks", "results", "*.md")))
    if not files:
        source[0] += "\nNo benchmark results have been recorded yet.\n"
        return
    parts = []
    for path in files:
        rel = os.path.relpath(path, os.path.dirname(__file__)).replace(os.sep, "/")
        parts.append(
            f"\n.. include:: {rel}\n   :parser: myst_parser.sphinx_\n"
            f"\n*Source:* ``benchmarks/results/{os.path.basename(path)}``\n"
        )
    source[0] += "\n" + "\n".join(parts)


# "ndarray of shape (n_features_in_,)" in a numpydoc type line is read as a
# reStructuredText reference to a target "n_features_in".  Escape the trailing
# underscore of such names inside "shape (...)" so those lines render as
# written.  (Writing ``(`n_features_in_`,)`` in the docstrings, as
# scikit-learn does, makes this hook unnecessary.)


def _always_reread_benchmarks(app, env, added, changed, removed):
    # new result files must show up in incremental builds too
    return ["benchmarks"]


def setup(app):
    app.connect("source-read", _add_benchmark_results)
    app.connect("env-get-outdated", _always_reread_benchmarks)
    return {"parallel_read_safe": True}
