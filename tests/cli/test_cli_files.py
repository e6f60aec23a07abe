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


def test_steps_removes_its_own_old_frames_and_never_a_users(run, user_error, workdir):
    from chainrule._files import write_folder

    outdir = workdir / "steps"
    # an earlier chainrule wrote a frame file per step beside the page
    write_folder(outdir, {f"step_00{n}.svg": f"<svg>{n}</svg>" for n in range(5)})
    (outdir / "step_7.svg").write_text("<svg>my own drawing</svg>")
    assert run("steps", "x*2", "--set", "x=3", "-o", "steps").exit_code == 0
    assert sorted(p.name for p in outdir.glob("step_*.svg")) == ["step_7.svg"]
    assert (outdir / "step_7.svg").read_text() == "<svg>my own drawing</svg>"
    assert (outdir / "index.html").is_file()


def test_steps_into_a_folder_with_a_users_page_fails_and_keeps_it(run, user_error, workdir):
    (workdir / "talk").mkdir()
    (workdir / "talk" / "index.html").write_text("my slides")
    user_error(run("steps", "-o", "talk"), 1, "cannot write talk", "not written by chainrule")
    assert (workdir / "talk" / "index.html").read_text() == "my slides"
    assert sorted(os.listdir(workdir / "talk")) == ["index.html"]
