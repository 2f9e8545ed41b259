"""The ``sk-lenet`` command: train, evaluate, predict, grid-search and serve.

Run ``sk-lenet --help`` (or ``python -m sk_lenet --help``).  Every subcommand
works offline on the bundled ``digits`` dataset; ``mnist`` and ``cifar10`` are
read from the scikit-learn data cache (``--data-home`` or
``SCIKIT_LEARN_DATA``) and downloaded from OpenML when missing.

Results (accuracy, reports, tables) go to standard output; per-epoch progress
and notices go to standard error.  Bad usage prints one ``sk-lenet: error:``
line on standard error and exits with status 2.

The package, by concern:

* :mod:`~sk_lenet.cli.parser` -- the options, and hyperparameter values
  (``--set NAME=VALUE``, ``--param NAME=V1,V2``);
* :mod:`~sk_lenet.cli.estimators` -- the ``--model`` choices and the Pipeline
  built from them, its parameters checked by the estimator's own constraints;
* :mod:`~sk_lenet.cli.data` -- the data, from :mod:`sk_lenet.datasets`;
* :mod:`~sk_lenet.cli.commands` -- the subcommands;
* :mod:`~sk_lenet.cli.report` -- what is printed and drawn.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence

from sk_lenet.cli.parser import build_parser, parse_param
from sk_lenet.cli.report import format_cv_results

__all__ = ["build_parser", "format_cv_results", "main", "parse_param"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sk-lenet`` command.

    Parameters
    ----------
    argv : sequence of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on bad usage (with one error line on
        standard error), 130 when interrupted.

    Examples
    --------
    >>> main(["train", "--quick", "--no-plots", "--quiet",
    ...       "--output-dir", "out"])  # doctest: +SKIP
    0
    """
    from sk_lenet.cli.report import CLIError, note, one_line, show_warning

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    # After parsing: --help and usage errors answer without loading scikit-learn.
    from sk_lenet._images import ImageFileError
    from sk_lenet.datasets import DatasetNotAvailableError
    from sk_lenet.persistence import ModelFileError

    try:
        with warnings.catch_warnings():
            # Warnings (sk_lenet's say what to change) as one line each,
            # like the errors, without a Python source location.
            warnings.showwarning = show_warning
            return args.func(args)
    except (
        CLIError,
        DatasetNotAvailableError,
        ModelFileError,
        ImageFileError,
        ImportError,  # a missing optional dependency: the message says which
        ValueError,  # a value the estimator rejects: its message says why
    ) as exc:
        note(f"sk-lenet: error: {one_line(exc)}")
    except KeyboardInterrupt:
        note("sk-lenet: interrupted")
        return 130
    except BrokenPipeError:
        # output piped into e.g. `head`, which stopped reading: exit quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return 2
