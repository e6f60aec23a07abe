"""The one atomic file writer (used by nn and viz): a whole new file or the old one, never half.

Standard library only, below every subpackage, so that ``nn.save`` and every picture viz
writes share one set of rules:

- the data go to a temporary file in the target's folder, are flushed to disk (``fsync``)
  and renamed over the target, so a crash leaves the old file or the new one;
- only a regular file is ever replaced: a directory, FIFO, device or socket at the target
  is refused with an `OSError` saying what it is (as root, a rename would replace
  ``/dev/full`` itself);
- a symbolic link is written through to the file it points at (created if the link dangles);
  the link itself stays;
- the new file gets the mode ``open()`` would give it: the old file's mode when there is
  one, else 0666 less the umask;
- on any failure the temporary file is removed and the target is left as it was.

`write_folder` writes a set of files into a folder (the frames of a backward pass) and keeps
a manifest of what it wrote, with each file's SHA-256: a later run replaces or removes only
files that are still exactly as chainrule wrote them, never a user's file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

#: The file in which `write_folder` lists what it wrote: name → SHA-256 of the content.
MANIFEST = ".chainrule-files.json"
_MANIFEST_FORMAT = "chainrule.files"

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFLNK: "a symbolic link that does not resolve (a loop?)",
}


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write `data` (text as UTF-8) to `path` atomically; missing parent folders are created.

    Args:
        path: the file to write; a symbolic link is followed to its target.
        data: the whole new content.

    Returns:
        `path` as a `Path` (the name given, not the link's target).

    Raises:
        IsADirectoryError: if `path` is (or links to) a directory.
        OSError: if `path` is (or links to) something other than a regular file (FIFO,
            device, socket), if an existing file is not writable, or if the folder refuses
            the temporary file; nothing is left behind.

    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "note.txt")
    >>> write_atomic(target, "hello").read_text()
    'hello'
    """
    given = Path(path)
    # The final target of any chain of links: writing through them keeps every link in place.
    target = Path(os.path.realpath(given))
    target.parent.mkdir(parents=True, exist_ok=True)
    existing = _existing(target, given)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # Created as open() creates files (0666 less the umask, applied by the kernel), exclusively,
    # under a name no other writer picks.
    temporary = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as file:
            if existing is not None:
                _keep_mode_and_owner(file.fileno(), existing)
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(target.parent)
    return given


def check_target(path: str | os.PathLike[str]) -> None:
    """Refuse, before long work, a `path` that `write_atomic` would refuse; writes nothing.

    Raises:
        IsADirectoryError, OSError: as `write_atomic` for a target that is not a regular file
            or is read-only.
    """
    given = Path(path)
    _existing(Path(os.path.realpath(given)), given)


def write_folder(folder: str | os.PathLike[str], files: Mapping[str, bytes | str]) -> None:
    """Write `files` (name → content) into `folder`, each atomically, and remove what an
    earlier call wrote there that is no longer among them.

    A file already in the folder is replaced only when an earlier call wrote it and it is
    unchanged since (its SHA-256 is in the folder's manifest, `MANIFEST`); the same holds for
    removal. Anything else is a user's file: it is left alone, and writing over it is refused.

    Args:
        folder: created (with missing parents) if needed.
        files: plain file names (no folders) and their whole content.

    Raises:
        ValueError: for a name that is not a plain file name.
        FileExistsError: if a file to write exists but chainrule did not write it (nothing is
            written then).
        OSError: as `write_atomic`.
    """
    where = Path(folder)
    payloads = {_plain_name(name): _bytes(data) for name, data in files.items()}
    where.mkdir(parents=True, exist_ok=True)
    previous = _read_manifest(where)
    if previous is None:
        raise FileExistsError(
            errno.EEXIST,
            f"{where / MANIFEST} is not chainrule's list of the files it wrote: left as it is",
            str(where / MANIFEST),
        )
    for name in payloads:
        path = where / name
        if os.path.lexists(path):
            check_target(path)  # a FIFO or a folder where a file goes: say what it is
            if not _unchanged(path, previous.get(name)):
                raise FileExistsError(
                    errno.EEXIST,
                    f"{path} was not written by chainrule (or was changed since): it is left "
                    "as it is; write into another folder, or move it away",
                    str(path),
                )
    written = {name: _digest(data) for name, data in payloads.items()}
    # Listed before they exist, so that an interrupted run's files are still known as ours.
    _write_manifest(where, {**previous, **written})
    for name, data in payloads.items():
        write_atomic(where / name, data)
    for name, digest in previous.items():
        if name not in written and _unchanged(where / name, digest):
            (where / name).unlink()
    _write_manifest(where, written)


def _plain_name(name: str) -> str:
    if not name or name in (".", "..", MANIFEST) or os.sep in name or "/" in name:
        raise ValueError(f"{name!r} is not a plain file name")
    return name


def _bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _unchanged(path: Path, digest: str | None) -> bool:
    """Whether `path` is a regular file (not a link) whose content has the SHA-256 `digest`."""
    if digest is None:
        return False
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        return _digest(path.read_bytes()) == digest
    except OSError:
        return False


def _read_manifest(folder: Path) -> dict[str, str] | None:
    """What an earlier `write_folder` wrote into `folder` ({} when nothing); None when a file
    of the manifest's name is there but is not chainrule's (so it must not be replaced).

    A corrupt or hand-edited manifest cannot reach outside `folder` (names must be plain) nor
    touch a file whose content is not byte for byte what it lists.
    """
    path = folder / MANIFEST
    if not os.path.lexists(path):
        return {}
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != _MANIFEST_FORMAT:
        return None
    files = document.get("files")
    listed: dict[str, str] = {}
    for name, digest in files.items() if isinstance(files, dict) else ():
        with contextlib.suppress(ValueError):
            if isinstance(digest, str):
                listed[_plain_name(name)] = digest
    return listed


def _write_manifest(folder: Path, files: dict[str, str]) -> None:
    document = {"format": _MANIFEST_FORMAT, "version": 1, "files": dict(sorted(files.items()))}
    write_atomic(folder / MANIFEST, json.dumps(document, indent=1) + "\n")


def _existing(target: Path, given: Path) -> os.stat_result | None:
    """The status of the regular file at `target` (None if there is none yet).

    Raises OSError for anything that is not a regular file, or a file we may not write.
    """
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return None
    kind = stat.S_IFMT(info.st_mode)
    if kind != stat.S_IFREG:
        what = _KINDS.get(kind, "not a regular file")
        shown = f"{given} (→ {target})" if os.path.islink(given) else str(given)
        error = IsADirectoryError if kind == stat.S_IFDIR else OSError
        code = errno.EISDIR if kind == stat.S_IFDIR else errno.EINVAL
        raise error(code, f"{shown} is {what}, not a regular file: it is left as it is", str(given))
    if not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, f"{given} is read-only", str(given))
    return info


def _keep_mode_and_owner(handle: int, old: os.stat_result) -> None:
    """Give the new file the old one's permission bits and, where allowed, its owner."""
    os.fchmod(handle, stat.S_IMODE(old.st_mode))
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.fchown(handle, old.st_uid, old.st_gid)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a best effort where folders cannot be opened."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
