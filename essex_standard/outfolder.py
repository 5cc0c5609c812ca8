"""An output folder replaced as a whole, or not at all.

Why: an audit is evidence.  A folder holding a new ``results.json`` beside last month's reports,
or a half-written PDF, is worse than no folder.  So every output is written into a fresh
temporary folder *beside* ``--out`` (same file system, so a rename can move it), and only when
all of them are complete is that folder swapped into place:

* On Linux the swap is one ``renameat2(RENAME_EXCHANGE)`` call (macOS: ``renamex_np`` with
  ``RENAME_SWAP``): at every instant ``--out`` is either the old complete folder or the new one.
  Elsewhere, or on a file system without the exchange, two renames are used and a run killed
  between them is repaired by the next run (the old folder is put back).
* The temporary folder is named ``.NAME.essex-tmp-PID``; after the swap it holds the old copy,
  which is then deleted.  A run killed with SIGKILL leaves it behind; the next run into the same
  folder deletes it (it holds the lock, so no live audit can own it).
* A lock file ``.NAME.essex-lock`` beside the folder (``fcntl.flock``) keeps two audits from
  writing into one folder: the second stops at once with exit code 2 ("another audit is writing
  to ...") rather than waiting, because a CI job that silently waits behind a forgotten run is
  harder to diagnose than one that says why it stopped.  The lock file is removed on release;
  after a SIGKILL the kernel releases the lock and the next run reuses and removes the file.
* Every problem with the folder (the root folder, a file in the way, a mount point, no write
  permission, a read-only file system, too little free space, files the audit did not write)
  is found by :meth:`OutputFolder.open` *before* the audit starts.

Because the folder is replaced as a whole, other files in it (a JUnit file written there by
``gate``, notes) are carried into the new folder before the swap (hard links, or copies where
the file system has none), so they survive unchanged; sub-folders cannot be carried that way,
so a folder holding any is refused rather than emptied (this also protects ``--out ~``).
Outputs of an earlier audit that this one does not write (with ``--only``) are not carried:
they would sit beside a ``results.json`` they were not made from.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Collection, Iterator
from pathlib import Path

from .errors import EssexStandardError

TMP_TAG = ".essex-tmp-"
OLD_TAG = ".essex-old-"
LOCK_TAG = ".essex-lock"
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


class OutputFolderError(EssexStandardError):
    """The output folder cannot be used, or filled up while the outputs were written."""


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _kb(n: int) -> str:
    return f"{max(1, round(n / 1024)):,} KB"


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False when this system or file system cannot."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        rc = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rc = libc.renamex_np(os.fsencode(a), os.fsencode(b), 2)  # RENAME_SWAP
    else:
        return False
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, getattr(errno, "ENOTSUP", errno.EINVAL)):
        return False
    raise OSError(err, os.strerror(err), str(b))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the folders are swapped (delivered afterwards)."""
    can = (hasattr(signal, "pthread_sigmask")
           and threading.current_thread() is threading.main_thread())
    held = {signal.SIGINT, signal.SIGTERM}
    if can:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        if can:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the data itself was synced
    finally:
        os.close(fd)


class OutputFolder:
    """A transaction on one output folder: :meth:`open`, :meth:`write` each file, :meth:`commit`.

    Leaving the ``with`` block without :meth:`commit` (an error, Ctrl-C) deletes the temporary
    folder and leaves ``--out`` as it was.

    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> with OutputFolder(base / "out", allowed={"a.txt"}) as folder:
    ...     path = folder.write("a.txt", b"hello")
    ...     folder.commit()
    >>> sorted(p.name for p in base.iterdir()), (base / "out" / "a.txt").read_text()
    (['out'], 'hello')
    """

    def __init__(self, out_dir: Path, allowed: Collection[str], min_free: int = 0) -> None:
        self.shown = Path(out_dir)
        self.target = Path(os.path.realpath(out_dir))
        self.allowed = frozenset(allowed)
        self.min_free = min_free
        self.parent = self.target.parent
        self.tmp = self.parent / f".{self.target.name}{TMP_TAG}{os.getpid()}"
        self._lock_path = self.parent / f".{self.target.name}{LOCK_TAG}"
        self._lock_fd: int | None = None
        self._created: list[Path] = []
        self._made_tmp = False
        self._carry: list[str] = []
        self.committed = False

    # ------------------------------------------------------------------ checks and lock

    def _fail(self, message: str) -> OutputFolderError:
        return OutputFolderError(f"--out {self.shown}: {message}")

    def _check_place(self) -> None:
        """Refuse a place no output folder may be, before anything is created."""
        t = self.target
        if t.parent == t:
            raise self._fail("is the root folder. The audit replaces its output folder as a "
                             "whole, so give it a folder of its own (e.g. --out audit-output).")
        cwd = Path(os.path.realpath(os.getcwd()))
        if cwd == t or t in cwd.parents:
            raise self._fail("is the current folder or holds it. The audit replaces its output "
                             "folder as a whole, so give it a sub-folder (e.g. --out "
                             "audit-output).")

    def _check_target(self) -> int:
        """Refuse a folder the audit cannot replace (checked under the lock, so no other audit
        changes it meanwhile); note the other files to carry; return the outputs' size."""
        t = self.target
        self._carry = []
        if not os.path.lexists(t):
            return 0
        if not t.is_dir():
            raise self._fail("exists and is not a folder (a file is in the way). Remove it, or "
                             "choose another --out.")
        if os.path.ismount(t):
            raise self._fail("is a mount point, which cannot be replaced. Give a folder inside "
                             "it (e.g. --out " + str(self.shown / "audit-output") + ").")
        folders, size = [], 0
        for entry in os.scandir(t):
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            elif entry.name in self.allowed:
                size += entry.stat(follow_symlinks=False).st_size
            elif not (entry.name.endswith(".tmp") and entry.name[:-4] in self.allowed):
                # (``results.json.tmp`` and the like: left by earlier versions when killed.)
                self._carry.append(entry.name)
        if folders:
            shown = ", ".join(repr(n) for n in sorted(folders)[:5])
            more = f" and {len(folders) - 5} more" if len(folders) > 5 else ""
            raise self._fail(
                f"holds sub-folders ({shown}{more}). The audit replaces its output folder as a "
                "whole and keeps other files, but not sub-folders: give an empty or new folder, "
                "or move them out."
            )
        if not os.access(t, os.W_OK | os.X_OK):
            raise self._fail("is not writable (permission denied). Choose another --out, or "
                             "make it writable.")
        return size

    def _make_parents(self) -> None:
        missing = []
        p = self.parent
        while not os.path.lexists(p):
            missing.append(p)
            p = p.parent
        if not p.is_dir():
            raise self._fail(f"'{p}' is a file, not a folder (a file is in the way).")
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except OSError as exc:
                raise self._fail(f"cannot create the folder '{folder}' ({_why(exc)}).") from None
            self._created.append(folder)

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # Windows: no flock; the temporary folder still keeps runs apart
            return
        while True:
            try:
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise self._fail(f"cannot write in '{self.parent}' ({_why(exc)}). Choose a "
                                 "folder on a writable disk.") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputFolderError(
                    f"another audit is writing to {self.shown} (it holds '{self._lock_path}'). "
                    "Wait for it to finish, or choose another --out."
                ) from None
            # The file may have been removed by the previous holder between our open and
            # our lock: then we hold a lock nobody else can see; take the new file instead.
            try:
                same = os.stat(self._lock_path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._lock_fd = fd
                return
            os.close(fd)

    def _unlock(self) -> None:
        if self._lock_fd is None:
            return
        with contextlib.suppress(OSError):
            if os.stat(self._lock_path).st_ino == os.fstat(self._lock_fd).st_ino:
                os.unlink(self._lock_path)
        os.close(self._lock_fd)
        self._lock_fd = None

    def _clean_leftovers(self) -> None:
        """Delete temporary folders of killed runs; put back an old folder a killed fallback
        swap had moved aside.  Safe because we hold the lock: no live audit owns them."""
        prefix = f".{self.target.name}"
        olds = []
        for entry in os.scandir(self.parent):
            if not entry.name.startswith(prefix):
                continue
            rest = entry.name[len(prefix):]
            if rest.startswith(TMP_TAG) and rest[len(TMP_TAG):].isdigit():
                shutil.rmtree(entry.path, ignore_errors=True)
            elif rest.startswith(OLD_TAG) and rest[len(OLD_TAG):].isdigit():
                olds.append(Path(entry.path))
        for old in olds:
            if not os.path.lexists(self.target):
                os.rename(old, self.target)
            else:
                shutil.rmtree(old, ignore_errors=True)

    def _check_space(self, existing: int) -> None:
        need = max(self.min_free, existing)
        try:
            free = shutil.disk_usage(self.parent).free
        except OSError:
            return
        if free < need:
            raise self._fail(
                f"the disk holding it is full: {_kb(free)} free, and the outputs need about "
                f"{_kb(need)}. Free some space, or choose another --out."
            )

    def open(self) -> OutputFolder:
        """Check the folder, take the lock, clean up after killed runs, create the temporary
        folder.  Every failure is an :class:`OutputFolderError` and changes nothing."""
        self._check_place()
        try:
            self._make_parents()
            self._lock()
            self._clean_leftovers()
            self._check_space(self._check_target())
            try:
                self.tmp.mkdir()
                self._made_tmp = True
                if self.target.is_dir():
                    os.chmod(self.tmp, stat.S_IMODE(os.stat(self.target).st_mode))
                self._carry_files()
            except OSError as exc:
                if exc.errno in _FULL:
                    raise self._fail("the disk holding it is full. Free some space, or choose "
                                     "another --out.") from None
                raise self._fail(f"cannot write in '{self.parent}' ({_why(exc)}).") from None
        except BaseException:
            self.abort()
            raise
        return self

    def _carry_files(self) -> None:
        """Bring the folder's other files into the new one (same inode where possible)."""
        for name in self._carry:
            src, dst = self.target / name, self.tmp / name
            if src.is_symlink():
                os.symlink(os.readlink(src), dst)
                continue
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)

    # ------------------------------------------------------------------ writing and swapping

    def write(self, name: str, content: bytes) -> Path:
        """Write one file into the temporary folder, synced to disk."""
        path = self.tmp / name
        try:
            with open(path, "xb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            if exc.errno in _FULL:
                raise self._fail(
                    f"the disk filled up while {name} was written. Nothing was changed in "
                    f"{self.shown}: free some space and run the audit again."
                ) from None
            raise self._fail(f"cannot write {name} ({_why(exc)}). Nothing was changed in "
                             f"{self.shown}.") from None
        return self.shown / name

    def commit(self) -> None:
        """Swap the complete temporary folder into place and delete the old copy."""
        _fsync_dir(self.tmp)
        with _signals_held():
            try:
                if os.path.lexists(self.target):
                    if not _exchange(self.tmp, self.target):
                        old = self.parent / f".{self.target.name}{OLD_TAG}{os.getpid()}"
                        os.rename(self.target, old)
                        try:
                            os.rename(self.tmp, self.target)
                        except OSError:
                            os.rename(old, self.target)  # put the old set back
                            raise
                        os.rename(old, self.tmp)
                else:
                    os.rename(self.tmp, self.target)
            except OSError as exc:
                raise self._fail(f"cannot move the new outputs into place ({_why(exc)}). "
                                 f"Nothing was changed in {self.shown}.") from None
            self.committed = True
            _fsync_dir(self.parent)
            shutil.rmtree(self.tmp, ignore_errors=True)  # now the old copy, if any
        self._unlock()

    def abort(self) -> None:
        """Undo everything but a completed swap: temporary folder, new parents, lock."""
        if not self.committed and self._made_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            for folder in reversed(self._created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        self._unlock()

    def __enter__(self) -> OutputFolder:
        if not self._made_tmp:
            self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.abort()
