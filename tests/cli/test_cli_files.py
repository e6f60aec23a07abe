"""What the commands write, and what they must leave alone: FIFOs, devices, links, users' files."""

from __future__ import annotations

import os
import stat

from tests.test_files import device_like, fifo_with_reader


def test_render_to_a_fifo_fails_and_keeps_it(run, user_error, workdir):
    with fifo_with_reader(workdir / "pipe.gv"):
        user_error(run("render", "-o", "pipe.gv"), 1, "cannot write pipe.gv", "FIFO")
        assert stat.S_ISFIFO(os.lstat(workdir / "pipe.gv").st_mode)


def test_train_to_a_device_is_refused_before_training(run, user_error, workdir):
    target = device_like(workdir)
    result = run("train", "--epochs", "1", "-o", str(target))
    user_error(result, 1, "character device")
    assert "epoch" not in result.stdout  # refused up front, not after the work
    assert stat.S_ISCHR(os.lstat(target).st_mode)


def test_render_through_a_symlink_writes_its_target(run, workdir):
    (workdir / "real.gv").write_text("old")
    (workdir / "link.gv").symlink_to("real.gv")
    assert run("render", "-o", "link.gv").exit_code == 0
    assert (workdir / "link.gv").is_symlink()
    assert (workdir / "real.gv").read_text().startswith("digraph")
