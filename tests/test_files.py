"""The one atomic writer, against hostile targets, through every caller (nn.save, viz).

Nothing here can hang: a FIFO always has a reader opened without blocking before anything is
written, so a writer that (wrongly) opened it would not wait for one.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chainrule import Value, _files
from chainrule._files import write_atomic, write_folder
from chainrule.nn import MLP, save
from chainrule.viz import draw
from chainrule.viz.steps import render_steps


def _write_text(path: Path) -> None:
    write_atomic(path, "new")


def _save_model(path: Path) -> None:
    save(MLP(2, [1], seed=0), path)


def _render_dot(path: Path) -> None:
    draw(Value(2.0, label="a") * 3).render(path, format="gv")


WRITERS: dict[str, Callable[[Path], None]] = {
    "write_atomic": _write_text,
    "nn.save": _save_model,
    "Diagram.render": _render_dot,
}
writers = pytest.mark.parametrize("write", WRITERS.values(), ids=WRITERS.keys())


def temporaries(folder: Path) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".tmp")]


@contextlib.contextmanager
def fifo_with_reader(path: Path) -> Iterator[int]:
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a wrongful writer would not block
    try:
        yield reader
    finally:
        os.close(reader)


@writers
def test_a_fifo_is_refused_and_left_in_place(tmp_path, write):
    target = tmp_path / "out.gv"
    with fifo_with_reader(target) as reader:
        with pytest.raises(OSError, match=r"named pipe \(FIFO\), not a regular file"):
            write(target)
        assert os.read(reader, 100) == b""  # nothing was written into it either
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert temporaries(tmp_path) == []


def device_like(tmp_path: Path) -> Path:
    """A character device that no test may harm: a fresh /dev/null node as root, else /dev/null
    itself (which only root could replace)."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return node


@writers
def test_a_device_is_refused_and_left_in_place(tmp_path, write):
    target = device_like(tmp_path)
    with pytest.raises(OSError, match="character device, not a regular file"):
        write(target)
    assert stat.S_ISCHR(os.lstat(target).st_mode)
    assert temporaries(target.parent) == []


@writers
def test_a_directory_is_refused_and_left_in_place(tmp_path, write):
    target = tmp_path / "folder.gv"
    target.mkdir()
    (target / "inside").write_text("kept")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        write(target)
    assert (target / "inside").read_text() == "kept"
    assert temporaries(tmp_path) == []


@writers
def test_a_symlink_is_written_through_and_stays_a_link(tmp_path, write):
    real = tmp_path / "real" / "model.gv"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.gv"
    link.symlink_to(Path("real") / "model.gv")  # relative, as users make them
    write(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "model.gv")
    assert real.read_text() not in ("", "old")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # as open() over the file would keep
    assert temporaries(tmp_path) == [] and temporaries(real.parent) == []


@writers
def test_a_dangling_symlink_creates_its_target(tmp_path, write):
    link = tmp_path / "link.gv"
    link.symlink_to("missing.gv")
    write(link)
    assert link.is_symlink() and os.readlink(link) == "missing.gv"
    assert (tmp_path / "missing.gv").read_text() != ""


@writers
def test_a_symlink_to_a_fifo_is_refused_naming_both(tmp_path, write):
    link = tmp_path / "link.gv"
    link.symlink_to("pipe")
    with fifo_with_reader(tmp_path / "pipe"):
        with pytest.raises(OSError, match=r"link.gv \(→ .*pipe\) is a named pipe"):
            write(link)
    assert link.is_symlink()


def test_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError, match="not a regular file"):
        write_atomic(tmp_path / "a", "x")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def test_new_files_get_the_mode_open_would_give_them(tmp_path):
    previous = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "script.sh"
    target.write_text("old")
    target.chmod(0o751)
    write_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o751 and target.read_text() == "new"


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, failing):
    target = tmp_path / "kept.txt"
    target.write_text("old")

    def refuse(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_files.os, failing, refuse)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert temporaries(tmp_path) == []


def test_a_read_only_folder_is_refused_cleanly(tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "kept.txt").write_text("old")
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permission bits: make the folder refuse as it would
        real_open = os.open

        def read_only_open(path, flags, *args):
            if flags & os.O_CREAT and Path(path).parent == folder:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, flags, *args)

        monkeypatch.setattr(_files.os, "open", read_only_open)
    try:
        with pytest.raises(PermissionError):
            write_atomic(folder / "kept.txt", "new")
        assert (folder / "kept.txt").read_text() == "old"
        assert sorted(os.listdir(folder)) == ["kept.txt"]
    finally:
        folder.chmod(0o755)


def test_steps_refuses_a_fifo_where_a_frame_goes(tmp_path):
    a = Value(2.0, label="a")
    loss = a * a
    loss.backward()
    outdir = tmp_path / "steps"
    outdir.mkdir()
    with fifo_with_reader(outdir / "index.html"):
        with pytest.raises(OSError, match="FIFO"):
            render_steps(loss, outdir)
        assert stat.S_ISFIFO(os.lstat(outdir / "index.html").st_mode)
    assert temporaries(outdir) == []


# ------------------------------------------------------------------------- write_folder
def test_write_folder_removes_only_what_it_wrote(tmp_path):
    (tmp_path / "step_9.svg").write_text("a user's own file")
    write_folder(tmp_path, {"step_0.svg": "0", "step_1.svg": "1", "step_2.svg": "2"})
    write_folder(tmp_path, {"step_0.svg": "zero"})  # a shorter run: 1 and 2 go, 9 stays
    names = sorted(os.listdir(tmp_path))
    assert names == [_files.MANIFEST, "step_0.svg", "step_9.svg"]
    assert (tmp_path / "step_9.svg").read_text() == "a user's own file"
    assert (tmp_path / "step_0.svg").read_text() == "zero"


def test_write_folder_keeps_a_file_the_user_changed_since(tmp_path):
    write_folder(tmp_path, {"a.svg": "a", "b.svg": "b"})
    (tmp_path / "b.svg").write_text("annotated by hand")
    write_folder(tmp_path, {"a.svg": "A"})
    assert (tmp_path / "b.svg").read_text() == "annotated by hand"
    with pytest.raises(FileExistsError, match="b.svg was not written by chainrule"):
        write_folder(tmp_path, {"a.svg": "again", "b.svg": "B"})
    assert (tmp_path / "a.svg").read_text() == "A"  # refused before anything was written


def test_write_folder_refuses_to_overwrite_a_users_file(tmp_path):
    (tmp_path / "index.html").write_text("my page")
    with pytest.raises(FileExistsError, match="index.html was not written by chainrule"):
        write_folder(tmp_path, {"step_0.svg": "0", "index.html": "page"})
    assert sorted(os.listdir(tmp_path)) == ["index.html"]
    assert (tmp_path / "index.html").read_text() == "my page"


def test_a_forged_manifest_cannot_reach_outside_the_folder(tmp_path):
    import hashlib
    import json

    folder = tmp_path / "out"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    digest = hashlib.sha256(b"precious").hexdigest()
    files = {"../victim.txt": digest, str(victim): digest, "": digest}
    document = {"format": "chainrule.files", "version": 1, "files": files}
    (folder / _files.MANIFEST).write_text(json.dumps(document))
    write_folder(folder, {"a.svg": "a"})
    assert victim.read_text() == "precious"


def test_a_foreign_file_named_like_the_manifest_is_kept(tmp_path):
    (tmp_path / _files.MANIFEST).write_text("not ours")
    with pytest.raises(FileExistsError, match="not chainrule's list"):
        write_folder(tmp_path, {"a.svg": "a"})
    assert sorted(os.listdir(tmp_path)) == [_files.MANIFEST]


@pytest.mark.parametrize("name", ["../x.svg", "sub/x.svg", "", "..", _files.MANIFEST])
def test_write_folder_takes_plain_names_only(tmp_path, name):
    with pytest.raises(ValueError, match="not a plain file name"):
        write_folder(tmp_path / "out", {name: "x"})
    assert not (tmp_path / "x.svg").exists()
