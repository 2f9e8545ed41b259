"""Shared by the ``sk-lenet`` tests: running the command, and a model it trained."""

from __future__ import annotations

import contextlib
import io

import pytest

from sk_lenet import cli


def run(argv, capsys):
    """``main(argv)`` -> (exit code, stdout, stderr)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="package")
def trained(tmp_path_factory):
    """``sk-lenet train --no-plots``: LeNet with the digits defaults (8 epochs,
    about 0.97 test accuracy): (output dir, stdout, stderr)."""
    out_dir = tmp_path_factory.mktemp("train")
    out, err = io.StringIO(), io.StringIO()
    argv = ["train", "--no-plots", "--output-dir", str(out_dir)]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    assert code == 0, err.getvalue()
    return out_dir, out.getvalue(), err.getvalue()
