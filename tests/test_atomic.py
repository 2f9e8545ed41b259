"""Tests of sk_lenet._atomic: readers see the old file or the new one."""

from __future__ import annotations

import os
import stat

import pytest

from sk_lenet._atomic import atomic_write, temp_prefix


def test_writes_and_creates_the_folder(tmp_path):
    path = tmp_path / "a" / "b" / "file.bin"
    with atomic_write(path) as fh:
        fh.write(b"new")
        assert not path.exists()  # not visible before the block ends
    assert path.read_bytes() == b"new"
    assert os.listdir(path.parent) == ["file.bin"]


def test_permissions_follow_the_umask(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "f") as fh:
            fh.write(b"x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o644


@pytest.mark.parametrize("error", [ValueError("bad"), KeyboardInterrupt()])
def test_error_leaves_the_old_file_and_no_temp(tmp_path, error):
    path = tmp_path / "file.bin"
    path.write_bytes(b"old")
    with pytest.raises(type(error)):
        with atomic_write(path) as fh:
            fh.write(b"half")
            raise error
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file.bin"]


def test_temp_prefix_names_the_file():
    assert temp_prefix("/x/y/model.sklenet") == ".model.sklenet."
