"""Uploaded files into the index: safe names inside one fresh folder, archives and oversize files refused.

Plain functions without Streamlit, so hostile names and contents can be tested directly; app.py only
passes st.file_uploader's files in. Every refusal reason is user-facing Korean.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ingest.pipeline import IngestProgress, IngestReport

if TYPE_CHECKING:
    from engine import Engine

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl", ".csv", ".xlsx", ".pdf", ".hwp", ".hwpx")
ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".7z", ".rar", ".tar", ".bz2", ".xz", ".zst")
MAX_NAME_CHARS = 100
# ext4 and most file systems cap a name at 255 bytes; Hangul takes 3 bytes a character in UTF-8,
# and _unique() may still append "-N".
MAX_NAME_BYTES = 180
MAX_SUFFIX_CHARS = 10

# (offset, magic): archives and compressed streams, recognised by content whatever the file is called.
_ARCHIVE_MAGIC = (
    (0, b"PK\x03\x04", "ZIP"), (0, b"PK\x05\x06", "ZIP"), (0, b"PK\x07\x08", "ZIP"),
    (0, b"\x1f\x8b", "GZIP"), (0, b"7z\xbc\xaf\x27\x1c", "7z"), (0, b"Rar!\x1a\x07", "RAR"),
    (0, b"\xfd7zXZ\x00", "XZ"), (0, b"\x28\xb5\x2f\xfd", "Zstandard"), (257, b"ustar", "TAR"),
)
_BZIP2 = re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)")
# Documents that are ZIP containers pass the archive refusal when their entries say they are one.
_CONTAINER_LABELS = {".xlsx": "엑셀(.xlsx)", ".hwpx": "한글(.hwpx)"}
CONTAINER_ENTRIES_MAX = 10_000
CONTAINER_UNPACKED_MAX = 512 * 2**20
# Deflated XML packs 5-30 to 1; an entry over 1 MiB that unpacks to 200 times its packed size is a bomb.
CONTAINER_RATIO_MAX = 200
_HWPX_MIME = b"application/hwp+zip"
_RESERVED = re.compile(r'[<>:"|?*]')


class Upload(Protocol):
    """What st.file_uploader returns (UploadedFile), as far as saving is concerned."""

    name: str
    size: int

    def getvalue(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """NEWSRAG_UPLOAD_MAX_MB per file and NEWSRAG_UPLOAD_MAX_TOTAL_MB per request."""

    max_file_mb: int
    max_total_mb: int


@dataclass(slots=True)
class SavedUploads:
    files: dict[Path, str] = field(default_factory=dict)  # saved path -> "upload/<safe name>"
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name as given, reason)


def safe_name(name: str) -> str:
    """A file name that stays inside its folder: basename only, no separators, NUL or controls.

    Bounded in characters and in UTF-8 bytes, so a long Hangul name cannot fail the write.
    """
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = _RESERVED.sub("_", base).strip().lstrip(".").strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = suffix[:MAX_SUFFIX_CHARS]
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8")) - 1
    stem = _clip_bytes(stem[:MAX_NAME_CHARS - len(suffix) - 1], room).rstrip() or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def archive_kind(data: bytes) -> str:
    """The archive or compression format the bytes are in ("ZIP", "GZIP", …), or "" for none."""
    for offset, magic, kind in _ARCHIVE_MAGIC:
        if data[offset:offset + len(magic)] == magic:
            return kind
    if _BZIP2.match(data[:10]):
        return "BZIP2"
    # A zip behind a prefix (self-extracting, or glued to a text file) ends in a central directory.
    if zipfile.is_zipfile(io.BytesIO(data)):
        return "ZIP"
    return ""


def save_uploads(files: Sequence[Upload], dest: Path, max_file_bytes: int,
                 max_total_bytes: int) -> SavedUploads:
    """Write the acceptable uploads into dest (a fresh folder) under safe, unique names.

    Nothing is unpacked: archives are refused by name and by content (an .xlsx or .hwpx passes when
    its entries show it is that document; see container_problem). Files past the per-file limit,
    or past the per-request total once the earlier files are counted, are refused and not written.
    """
    out, total, taken = SavedUploads(), 0, set()
    root = dest.resolve()
    for f in files:
        name = safe_name(f.name)
        reason = _refusal(name, f, max_file_bytes)
        data = b"" if reason else f.getvalue()
        if not reason and len(data) > max_file_bytes:  # trust the bytes, not the reported size
            reason = _too_big(len(data), max_file_bytes)
        if not reason and (kind := archive_kind(data)):
            reason = _archive_refusal(kind, name, data)
        if not reason and total + len(data) > max_total_bytes:
            reason = (f"한 번에 올릴 수 있는 용량({max_total_bytes / 2**20:.0f} MB)을 넘었습니다. "
                      "나머지는 따로 올리세요.")
        name = _unique(name, taken)
        path = (dest / name).resolve()
        if not reason and path.parent != root:
            reason = "파일 이름이 올바르지 않습니다. 이름을 바꿔 다시 올리세요."
        if reason:
            out.refused.append((f.name, reason))
            continue
        with path.open("xb") as fh:  # O_EXCL: never overwrite, never follow a planted link
            fh.write(data)
        taken.add(name)
        total += len(data)
        out.files[path] = f"upload/{name}"
    return out


def ingest_uploads(engine: Engine, files: Sequence[Upload], limits: UploadLimits,
                   progress: IngestProgress | None = None) -> dict:
    """Save the uploads in a fresh folder inside the index folder, ingest them, remove the folder.

    Returns render_report()'s arguments: the report, the refused files and the names to show.
    """
    engine.index_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=engine.index_dir))
    try:
        saved = save_uploads(files, folder, limits.max_file_mb * 2**20, limits.max_total_mb * 2**20)
        report = (engine.ingest(list(saved.files), progress, source_names=saved.files)
                  if saved.files else IngestReport())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    names = {name: name.removeprefix("upload/") for name in saved.files.values()}  # as reports name them
    return {"report": report, "refused": saved.refused, "names": names}


def container_problem(data: bytes, suffix: str) -> str:
    """Why ZIP bytes named .xlsx/.hwpx are refused (Korean), or "" when they are that document.

    An .xlsx holds [Content_Types].xml and xl/; an .hwpx holds Contents/ and, when it has one, a
    mimetype entry saying application/hwp+zip. Entry count, unpacked total and each large entry's
    packing ratio are bounded, so a zip bomb is refused without unpacking anything.
    """
    label = _CONTAINER_LABELS[suffix]
    not_one = (f"압축 파일(ZIP)은 받지 않습니다. 확장자는 {suffix}이지만 {label} 문서가 아니라 일반 압축 "
               "파일입니다. 압축을 풀어 안의 파일을 올리세요.")
    if not data.startswith(b"PK\x03\x04"):  # a zip behind a prefix is no document
        return not_one
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            small = "mimetype" in names and z.getinfo("mimetype").file_size < 100
            mime = z.read("mimetype").strip() if small else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, RuntimeError):
        return not_one
    if suffix == ".xlsx":
        ok = "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    else:
        ok = any(n.startswith("Contents/") for n in names) and mime in (b"", _HWPX_MIME)
    if not ok:
        return not_one
    if _is_bomb(infos):
        return (f"{label} 파일인데 압축을 풀면 지나치게 커집니다(압축 폭탄으로 보입니다). "
                "원래 프로그램에서 다시 저장해 올리세요.")
    return ""


def _is_bomb(infos: Sequence[zipfile.ZipInfo]) -> bool:
    if len(infos) > CONTAINER_ENTRIES_MAX or sum(i.file_size for i in infos) > CONTAINER_UNPACKED_MAX:
        return True
    return any(i.file_size > 2**20 and i.file_size > CONTAINER_RATIO_MAX * max(i.compress_size, 1) for i in infos)


def _archive_refusal(kind: str, name: str, data: bytes) -> str:
    """The refusal for archive bytes; "" for a real .xlsx/.hwpx document (a ZIP container)."""
    suffix = Path(name).suffix.lower()
    if kind == "ZIP" and suffix in _CONTAINER_LABELS:
        return container_problem(data, suffix)
    return (f"압축 파일({kind})은 받지 않습니다. 확장자와 달리 내용이 압축 파일입니다. "
            "압축을 풀어 텍스트·HTML·JSONL·CSV·엑셀·PDF·한글 파일을 올리세요.")


def _refusal(name: str, f: Upload, max_file_bytes: int) -> str:
    """Why a file is refused by its name and reported size alone, before its bytes are read; or ""."""
    suffix = Path(name).suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        return "압축 파일은 받지 않습니다. 압축을 풀어 파일을 올리거나 폴더 경로로 추가하세요."
    if suffix not in UPLOAD_SUFFIXES:
        return (f"지원하지 않는 형식({suffix or '확장자 없음'})입니다. "
                + " ".join(UPLOAD_SUFFIXES) + " 파일만 읽습니다.")
    if f.size > max_file_bytes:
        return _too_big(f.size, max_file_bytes)
    return ""


def _too_big(size: int, max_file_bytes: int) -> str:
    return f"파일이 너무 큽니다({size / 2**20:.1f} MB > {max_file_bytes / 2**20:.0f} MB). 나누어 올리세요."


def _clip_bytes(text: str, max_bytes: int) -> str:
    """The longest prefix of text whose UTF-8 form fits in max_bytes (never half a character)."""
    return text.encode("utf-8")[:max(0, max_bytes)].decode("utf-8", errors="ignore")


def _unique(name: str, taken: set[str]) -> str:
    stem, suffix, n = Path(name).stem, Path(name).suffix, 2
    candidate = name
    while candidate in taken:
        candidate, n = f"{stem}-{n}{suffix}", n + 1
    return candidate
