"""Index generations on disk: atomic publish, checksummed manifest, one-writer lock."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import faiss

from errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexWriteError
from index.dense import DENSE_FILE, load_dense, save_dense
from index.sparse import BM25_DIR, SparseIndex, load_sparse, save_sparse

GEN_DIR = "gen"
MANIFEST = "manifest.json"
LOCK_FILE = "write.lock"
FORMAT = 2  # 2: the manifest records each file's size beside its sha256
REBUILD_HINT = "`python -m index build --index {dir}`로 인덱스를 다시 만드세요."
REPAIR_HINT = "`python -m index check --index {dir} --repair`로 인덱스를 다시 만드세요."


@dataclass
class Generation:
    number: int
    manifest: dict
    dense: faiss.Index
    sparse: SparseIndex


class WriteLock:
    """An exclusive lock file: a second writer waits up to wait_s, then gets a clear message.

    Writers hold it only while they publish (embedding happens before), so a short wait lets two
    ingests take turns batch by batch.
    """

    def __init__(self, index_dir: Path, wait_s: float = 0.0) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        self._path = index_dir / LOCK_FILE
        self._wait_s = wait_s
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self._wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as e:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise IndexLockedError(
                        f"다른 프로세스가 인덱스({self._path.parent})에 쓰는 중입니다. "
                        "그 작업이 끝난 뒤 다시 실행하세요.") from e
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def write_failure(e: BaseException, index_dir: Path) -> IndexWriteError | None:
    """A user-facing error for a failed write the user can act on (disk full, I/O error)."""
    full = (isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        isinstance(e, sqlite3.OperationalError) and "full" in str(e))
    if full:
        what = "디스크 공간이 부족해"
    elif isinstance(e, OSError) or (isinstance(e, sqlite3.OperationalError) and "I/O" in str(e)):
        what = f"입출력 오류({e})로"
    else:
        return None
    return IndexWriteError(f"{what} 인덱스({index_dir})에 쓰지 못했습니다. 이번 묶음은 반영되지 않았고 "
                           "이전 인덱스는 그대로입니다. 공간을 확보하거나 디스크를 확인한 뒤 같은 명령을 "
                           "다시 실행하세요.")


def gen_path(index_dir: Path, number: int) -> Path:
    return index_dir / GEN_DIR / f"{number:06d}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _fsync_tree(directory: Path) -> None:
    for p in sorted(directory.rglob("*")) + [directory]:
        _fsync_path(p)


def write_generation(index_dir: Path, number: int, dense: faiss.Index, sparse: SparseIndex,
                     manifest: dict) -> Path:
    """Write a complete generation into a temp folder, then rename it into place."""
    final = gen_path(index_dir, number)
    tmp = final.with_name(f".tmp-{number:06d}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        _save_files(tmp, number, dense, sparse, manifest)
        _fsync_tree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # give the space back: a retry may need it
        raise
    shutil.rmtree(final, ignore_errors=True)  # a leftover from a run killed after rename
    os.replace(tmp, final)
    _fsync_path(final.parent)  # makes the rename itself durable
    return final


def _save_files(tmp: Path, number: int, dense: faiss.Index, sparse: SparseIndex, manifest: dict) -> None:
    try:
        save_dense(dense, tmp / DENSE_FILE)
    except RuntimeError as e:  # FAISS reports a failed fwrite as RuntimeError, errno lost
        full = shutil.disk_usage(tmp).free < (1 << 20)
        raise OSError(errno.ENOSPC if full else errno.EIO, f"FAISS write failed: {e}") from e
    save_sparse(sparse, tmp / BM25_DIR)
    paths = [p for p in sorted(tmp.rglob("*")) if p.is_file()]
    files = {str(p.relative_to(tmp)): _sha256(p) for p in paths}
    sizes = {str(p.relative_to(tmp)): p.stat().st_size for p in paths}
    full_manifest = {**manifest, "format": FORMAT, "generation": number, "files": files, "sizes": sizes,
                     "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
    (tmp / MANIFEST).write_text(json.dumps(full_manifest, ensure_ascii=False, indent=1), encoding="utf-8")


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(index_dir: Path, number: int) -> dict:
    path = gen_path(index_dir, number) / MANIFEST
    hint = REPAIR_HINT.format(dir=index_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise IndexCorruptError(f"인덱스 파일이 없습니다: {path}. {hint}") from e
    except (OSError, ValueError) as e:
        raise IndexCorruptError(f"인덱스 목록 파일이 손상되었습니다: {path}. {hint}") from e


def verify_files(index_dir: Path, number: int, manifest: dict, full: bool) -> None:
    """Every file of a generation is there with its recorded size; with full, its sha256 too.

    The size check is what loading does (a cut or missing file); the sha256 of every file reads
    gigabytes at a million chunks, so it runs in `index check` and in the searcher's background.
    """
    base = gen_path(index_dir, number)
    hint = REPAIR_HINT.format(dir=index_dir)
    sizes = manifest.get("sizes", {})
    for rel, digest in manifest.get("files", {}).items():
        path = base / rel
        if not path.is_file():
            raise IndexCorruptError(f"인덱스 파일이 없습니다: {path}. {hint}")
        if rel in sizes and path.stat().st_size != sizes[rel]:
            raise IndexCorruptError(f"인덱스 파일이 손상되었습니다(크기가 기록과 다름): {path}. {hint}")
        if full and _sha256(path) != digest:
            raise IndexCorruptError(f"인덱스 파일이 손상되었습니다(체크섬 불일치): {path}. {hint}")


def load_generation(index_dir: Path, number: int, verify: bool = False) -> Generation:
    """Load a generation after checking its files' sizes (and with verify, their sha256)."""
    manifest = read_manifest(index_dir, number)
    base = gen_path(index_dir, number)
    hint = REPAIR_HINT.format(dir=index_dir)
    # Older manifests (format 1) have no sizes: only the full check can vouch for their files.
    verify_files(index_dir, number, manifest, full=verify or "sizes" not in manifest)
    try:
        dense = load_dense(base / DENSE_FILE)
        sparse = load_sparse(base / BM25_DIR)
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        raise IndexCorruptError(f"인덱스 파일을 읽을 수 없습니다: {base} ({e}). {hint}") from e
    return Generation(number, manifest, dense, sparse)


def check_compatible(manifest: dict, expected: dict, index_dir: Path) -> None:
    """Refuse an index built with another model or tokenizer than the current settings."""
    for key, want in expected.items():
        have = manifest.get(key)
        if have != want:
            raise IndexMismatchError(
                f"인덱스가 현재 설정과 다릅니다: {key} = {have!r} (인덱스) / {want!r} (현재 설정). "
                + REBUILD_HINT.format(dir=index_dir))


def prune_generations(index_dir: Path, keep: set[int]) -> None:
    """Remove generations not in keep, and temp folders left by killed writers."""
    root = index_dir / GEN_DIR
    if not root.is_dir():
        return
    for p in root.iterdir():
        if p.name.startswith(".tmp-") or (p.name.isdigit() and int(p.name) not in keep):
            shutil.rmtree(p, ignore_errors=True)
