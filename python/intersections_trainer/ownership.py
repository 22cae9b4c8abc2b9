"""What the trainer may touch, and how it replaces it (docs/SECURITY.md, "What the tool writes and
deletes"). src/core/ownership.ts is the same for the TypeScript side, with the same lock format.

- A folder is written only when it is new, empty, or ours by its marker: a run folder by the
  config.json that train writes, an ONNX export by intersections_onnx.json.
- A folder lock (a file created with O_EXCL semantics) stops two jobs writing one folder.
- Folders are replaced by rename swaps: the old one is moved aside to a marked trash name, the new
  one renamed in, the trash removed. A kill -9 between the renames leaves the old version under
  the trash name, and the next job restores it (never deletes it) when no live version is there.
- INTERSECTIONS_FAULT_AT=N kills the process with SIGKILL at the Nth filesystem step (tests);
  INTERSECTIONS_FAULT_LOG=file appends one line per step.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from .jsonfile import read_json

LOCK_FILE = ".intersections-lock"
TRASH_SUFFIX = ".intersections-old"
NEW_INFIX = ".intersections-new-"
DELETED_INFIX = ".intersections-deleted-"
WRITE_INFIX = ".intersections-write-"
RUN_MARKER = "intersections train"  # config.json "written_by" of a run folder


class OwnershipError(Exception):
    """A folder that is not ours, or that another job is writing: exit 2, nothing changed."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint
        self.exit_code = 2


# ---------------------------------------------------------------- fault injection (tests)

_fault_steps = 0


def fault_point(label: str) -> None:
    """Marks a filesystem step; a no-op unless the fault-injection variables are set."""
    global _fault_steps
    at, log = os.environ.get("INTERSECTIONS_FAULT_AT"), os.environ.get("INTERSECTIONS_FAULT_LOG")
    if not at and not log:
        return
    _fault_steps += 1
    if log:
        with open(log, "a") as fh:
            fh.write(f"{_fault_steps} {label}\n")
    if at and int(at) == _fault_steps:
        os.kill(os.getpid(), signal.SIGKILL)


# ---------------------------------------------------------------- atomic files

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def create_exclusive(path: Path) -> int:
    """A new file at `path`, opened for writing, never through what is already at that name: an
    entry there (a symbolic link planted in a shared folder, pointing at ~/.bashrc) is removed,
    then the file is created with O_EXCL | O_NOFOLLOW, so the write cannot land outside the folder."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
    for attempt in range(3):
        try:
            return os.open(path, flags, 0o644)
        except FileExistsError:
            if attempt == 2:
                raise
            os.unlink(path)  # a link itself, never its target
    raise AssertionError("unreachable")


def open_append_no_follow(path: Path):
    """`path` opened for appending (created if missing), refused when it is a symbolic link."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW, 0o644)
    except OSError as e:
        if Path(path).is_symlink():
            raise OwnershipError(f"{path} is a symbolic link; refusing to write through it",
                                 "remove the link (it was not made by this tool)") from e
        raise
    return os.fdopen(fd, "a", encoding="utf-8")


def write_text_atomic(path: Path, text: str) -> None:
    """temp file, fsync, rename: readers (and a kill -9) see the old or the new content."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}{WRITE_INFIX}{os.getpid()}")  # hidden, ours, named after this process
    with os.fdopen(create_exclusive(tmp), "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    fault_point(f"write {path.name}")
    os.replace(tmp, path)
    fault_point(f"rename {path.name}")


def write_json_atomic(path: Path, obj: Any) -> None:
    """Strict JSON (docs/CONTRACT.md): NaN and infinities, e.g. a diverged loss, are written as null."""
    from .events import json_safe  # events imports this module

    write_text_atomic(path, json.dumps(json_safe(obj), indent=2, default=str, allow_nan=False) + "\n")


# ---------------------------------------------------------------- locks

def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except OSError:
        return False


def _process_start(pid: int) -> float | None:
    """Start time (seconds since the epoch) of a live process, where /proc tells it (Linux)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat[stat.rindex(")") + 2:].split()[19])
        btime = int(re.search(r"^btime (\d+)$", Path("/proc/stat").read_text(), re.M).group(1))
        return btime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, AttributeError, IndexError):
        return None


def _read_owner(path: Path) -> dict[str, Any] | None:
    try:
        owner = read_json(path)
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) and isinstance(owner.get("pid"), int) and isinstance(owner.get("host"), str) else None


def lock_is_stale(owner: dict[str, Any]) -> bool:
    """Same host, and the pid is dead or belongs to a process started after the lock (pid reuse).
    A lock from another host is never stale to us: we cannot see its processes."""
    if owner["host"] != socket.gethostname() or owner["pid"] == os.getpid():
        return False
    if not pid_alive(owner["pid"]):
        return True
    started = _process_start(owner["pid"])
    try:
        locked = datetime.fromisoformat(str(owner.get("started")).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return False
    return started is not None and started > locked + 2


def _busy(folder: Path, owner: dict[str, Any] | None, lock: Path) -> OwnershipError:
    if owner is None:
        return OwnershipError(f"{folder} is being written by another job (one that is starting); wait for it or choose another folder")
    other_host = owner["host"] != socket.gethostname()
    who = f"pid {owner['pid']}" + (f" on {owner['host']}" if other_host else "")
    return OwnershipError(f"{folder} is being written by another job ({who}); wait for it or choose another folder",
                          f"if that job is gone, remove {lock}" if other_host else "")


class FolderLock:
    """Held while a job writes a folder; `release` removes the lock file if it is still ours."""

    def __init__(self, path: Path):
        self.path = path
        self.released = False

    def release(self) -> None:
        if self.released:
            return
        self.released = True
        owner = _read_owner(self.path)
        if owner and owner["pid"] == os.getpid():
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> "FolderLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def acquire_lock(lock: Path, folder: Path, job: str, on_takeover: Callable[[str], None] | None = None) -> FolderLock:
    """Takes `lock` (its directory must exist) for writing `folder`. The lock file appears
    complete or not at all: it is written under a temp name and hard-linked to its name, which
    fails when it exists. A stale lock (lock_is_stale) is taken over, and `on_takeover` told."""
    me = {"pid": os.getpid(), "host": socket.gethostname(), "job": job,
          "started": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    tmp = lock.with_name(f"{lock.name}.{os.getpid()}.tmp")
    with os.fdopen(create_exclusive(tmp), "w") as fh:
        fh.write(json.dumps(me) + "\n")
    try:
        for attempt in range(3):
            try:
                os.link(tmp, lock)
                fault_point("lock")
                _remove_dead_lock_temps(lock)
                return FolderLock(lock)
            except FileExistsError:
                pass
            held = _read_owner(lock)
            if held is None:
                if lock.exists() and attempt == 2:
                    raise _busy(folder, None, lock)
                time.sleep(0.05)
                continue
            if not lock_is_stale(held):
                raise _busy(folder, held, lock)
            # Move the stale lock aside under a name of our own: only one taker can.
            aside = lock.with_name(f"{lock.name}.stale-{os.getpid()}")
            try:
                os.rename(lock, aside)
            except FileNotFoundError:
                continue
            moved = _read_owner(aside)
            if not moved or moved["pid"] != held["pid"] or moved.get("started") != held.get("started"):
                try:  # someone took it over between our read and our rename: give theirs back
                    os.link(aside, lock)
                except OSError:
                    pass
                aside.unlink(missing_ok=True)
                raise _busy(folder, moved, lock)
            aside.unlink(missing_ok=True)
            if on_takeover:
                on_takeover(f"took over the lock of {folder} from {held.get('job') or 'a job'} (pid {held['pid']}), "
                            "which is no longer running")
        raise _busy(folder, _read_owner(lock), lock)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_dead_lock_temps(lock: Path) -> None:
    pattern = re.compile(re.escape(lock.name) + r"\.(?:(\d+)\.tmp|stale-(\d+))$")
    for p in lock.parent.iterdir():
        m = pattern.match(p.name)
        pid = int(m.group(1) or m.group(2)) if m else 0
        if pid and pid != os.getpid() and not pid_alive(pid):
            p.unlink(missing_ok=True)


def lock_folder(folder: Path, job: str, on_takeover: Callable[[str], None] | None = None) -> FolderLock:
    """The lock inside a folder that is written in place (a run folder); the folder must exist."""
    return acquire_lock(Path(folder) / LOCK_FILE, Path(folder), job, on_takeover)


def lock_beside(folder: Path, job: str, on_takeover: Callable[[str], None] | None = None) -> FolderLock:
    """The lock next to a folder that is replaced as a whole (an export): .<name>.intersections-lock."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    return acquire_lock(folder.parent / f".{folder.name}.intersections-lock", folder, job, on_takeover)


# ---------------------------------------------------------------- what is ours

def require_folder_path(path: Path, flag: str) -> None:
    """An output path that is a file, or lies under one, is bad input (one line, exit 2), not a traceback."""
    for p in [Path(path), *Path(path).parents]:
        if p.exists() and not p.is_dir():
            where = "" if p == Path(path) else f" ({p} is a file)"
            raise OwnershipError(f"{flag} {path} is not a folder{where}", "choose a folder path; nothing was changed")



def visible_entries(folder: Path) -> list[str]:
    """Entries of a folder but for the traces of our own jobs (lock files, temp files and folders)."""
    def ours(n: str) -> bool:
        return n == LOCK_FILE or n.startswith(LOCK_FILE + ".") or bool(_WRITE_TEMP.match(n) or _LEFTOVER.match(n))
    try:
        return sorted(n for n in os.listdir(folder) if not ours(n))
    except FileNotFoundError:
        return []


def read_json_object(path: Path) -> dict[str, Any] | None:
    try:
        value = read_json(path)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def is_run_dir(folder: Path) -> bool:
    """A run folder of ours: its config.json was written by train (the marker field, or the
    fields of every config train wrote before the marker existed)."""
    cfg = read_json_object(Path(folder) / "config.json")
    if cfg is None:
        return False
    return cfg.get("written_by") == RUN_MARKER or {"ckpt_id", "dataset_folder", "mode", "output_dir", "resume"} <= cfg.keys()


def refuse_linked_children(folder: Path, names: tuple[str, ...]) -> None:
    """The folders a job replaces or prunes inside `folder` (a run's checkpoints/ and model/) are
    real folders or absent: a symbolic link planted there (checkpoints -> another run's) would
    carry the pruning of old checkpoints, and the swaps, into the folder it points to."""
    for name in names:
        p = Path(folder) / name
        if p.is_symlink() or (p.exists() and not p.is_dir()):
            raise OwnershipError(f"{p} is {'a symbolic link' if p.is_symlink() else 'not a folder'}; refusing to write or "
                                 "remove anything through it", "a run folder of this tool holds real folders there: "
                                 "remove the link (its target is left alone); nothing was changed")


def not_ours(folder: Path, what: str, marker: str, hint: str) -> OwnershipError:
    entries = visible_entries(folder)
    shown = ", ".join(entries[:3]) + (f", ... ({len(entries)} entries)" if len(entries) > 3 else "")
    return OwnershipError(f"{folder} is not empty and holds no {marker}, so it is not {what} (it holds {shown})", hint)


# ---------------------------------------------------------------- rename swaps

def trash_path(dst: Path) -> Path:
    return dst.with_name(f".{dst.name}{TRASH_SUFFIX}")


def new_dir_path(dst: Path) -> Path:
    """Where a replacement of dst is built (next to it, so that the final rename is atomic)."""
    return dst.with_name(f".{dst.name}{NEW_INFIX}{os.getpid()}")


def recover_dir(dst: Path) -> str | None:
    """After a kill -9 in replace_dir: the old version left under the trash name is restored when
    dst is missing, and removed when dst (the new version) is in place. Builds of dead jobs go.
    Call with the lock held. Returns what it did, or None."""
    dst = Path(dst)
    done = None
    trash = trash_path(dst)
    if trash.exists():
        if dst.exists():
            shutil.rmtree(trash)
            done = f"removed the previous version of {dst} left by an interrupted replacement"
        else:
            os.rename(trash, dst)
            done = f"restored {dst} from an interrupted replacement"
    for infix in (NEW_INFIX, DELETED_INFIX):
        _remove_dead(dst.parent, f".{dst.name}{infix}")
    return done


def _remove_dead(parent: Path, prefix: str) -> None:
    """Removes <prefix><pid> folders (builds, deletions of ours) of jobs that are gone."""
    if not Path(parent).is_dir():
        return
    for p in Path(parent).iterdir():
        if p.name.startswith(prefix) and p.name[len(prefix):].isdigit():
            pid = int(p.name[len(prefix):])
            if pid != os.getpid() and not pid_alive(pid):
                shutil.rmtree(p, ignore_errors=True)


_LEFTOVER = re.compile(r"^\.(.+)\.intersections-(?:old|new-\d+|deleted-\d+)$")
_WRITE_TEMP = re.compile(r"^\..+\.intersections-write-(\d+)$")


def recover_children(parent: Path) -> list[str]:
    """recover_dir for every folder of `parent` that an interrupted job left a trace of, and
    removal of the temp files of atomic writes whose process is gone."""
    if not Path(parent).is_dir():
        return []
    entries = os.listdir(parent)
    for name in entries:
        m = _WRITE_TEMP.match(name)
        if m and int(m.group(1)) != os.getpid() and not pid_alive(int(m.group(1))):
            (Path(parent) / name).unlink(missing_ok=True)
    names = sorted({m.group(1) for m in map(_LEFTOVER.match, entries) if m})
    return [msg for msg in (recover_dir(Path(parent) / n) for n in names) if msg]


def remove_dir(path: Path) -> None:
    """Removes a folder of ours so that it is never seen half-deleted: renamed away first."""
    path = Path(path)
    gone = path.with_name(f".{path.name}{DELETED_INFIX}{os.getpid()}")
    os.rename(path, gone)
    fault_point(f"remove {path.name}")
    shutil.rmtree(gone)


def replace_dir(src: Path, dst: Path) -> None:
    """Puts the finished folder src at dst. An old dst is renamed to its trash name, src renamed
    in, the trash removed: at every instant dst or its trash holds a complete version."""
    src, dst = Path(src), Path(dst)
    recover_dir(dst)
    trash = trash_path(dst)
    moved = False
    if dst.exists():
        os.rename(dst, trash)
        moved = True
        fault_point(f"aside {dst.name}")
    try:
        os.rename(src, dst)
    except BaseException:
        if moved:
            os.rename(trash, dst)
        raise
    fault_point(f"in {dst.name}")
    if moved:
        shutil.rmtree(trash)
        fault_point(f"trash {dst.name}")
