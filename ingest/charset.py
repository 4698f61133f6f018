"""Raw file bytes to text: UTF-8 (with or without BOM), UTF-16 or cp949/euc-kr, refusing binaries."""

from __future__ import annotations

import codecs
import re

from errors import IngestError

_MAGIC = (
    (b"%PDF", "PDF"), (b"PK\x03\x04", "ZIP/Office"), (b"\x89PNG", "PNG 이미지"),
    (b"\xff\xd8\xff", "JPEG 이미지"), (b"\x1f\x8b", "GZIP 압축"), (b"GIF8", "GIF 이미지"),
    (b"\xd0\xcf\x11\xe0", "MS Office(구버전)"), (b"7z\xbc\xaf", "7z 압축"), (b"Rar!", "RAR 압축"),
)
_NUL_SAMPLE = 8192
_COUNT_SLICE = 1 << 20  # characters counted per regex pass, so counting needs no per-character list
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_BINARY = "바이너리 파일은 읽을 수 없습니다. 텍스트·HTML·JSONL·CSV 파일만 넣으세요."


def decode_bytes(data: bytes, path: str) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 or cp949/euc-kr; raise IngestError otherwise.

    NUL characters are dropped: a text file padded or sprinkled with NULs keeps its text.
    """
    if not data.strip():
        raise IngestError(path, "빈 파일입니다. 내용이 있는 파일인지 확인하세요.")
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", path).replace("\x00", "")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", path).replace("\x00", "")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise IngestError(path, f"{kind} 파일은 읽을 수 없습니다. 텍스트·HTML·JSONL·CSV로 변환하세요.")
    head = data[:_NUL_SAMPLE]
    if b"\x00" not in head:
        return _decode_8bit(data, path).replace("\x00", "")
    text = _decode_utf16_without_bom(data, head)
    if text is not None:
        return text.replace("\x00", "")
    try:  # NULs on both byte positions: a text file sprinkled with NULs, or a binary
        text = _decode_8bit(data.replace(b"\x00", b""), path)
    except IngestError:
        text = ""
    if _printable_share(text) < 0.95:
        raise IngestError(path, _BINARY)
    return text


def _decode_8bit(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        first_bad = e.start
    try:
        text = data.decode("cp949")
        if _mostly_hangul(text):
            return text
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= max(8, len(text) // 1000):
        return text  # a few broken bytes inside an otherwise UTF-8 file: keep the rest
    line = data.count(b"\n", 0, first_bad) + 1
    raise IngestError(path, f"문자 인코딩을 알 수 없습니다: UTF-8로 읽을 수 없는 곳이 {bad:,}군데입니다"
                            f"({line}번째 줄부터). UTF-8이나 CP949(EUC-KR)로 저장한 뒤 다시 시도하세요.",
                      line)


def _count(pattern: re.Pattern[str], text: str) -> int:
    return sum(pattern.subn("", text[i:i + _COUNT_SLICE])[1]
               for i in range(0, len(text), _COUNT_SLICE))


def _mostly_hangul(text: str) -> bool:
    """cp949 decodes many byte strings; real Korean text is mostly Hangul syllables."""
    non_ascii = _count(_NON_ASCII, text)
    return not non_ascii or _count(_HANGUL, text) >= 0.7 * non_ascii


def _strict(data: bytes, encoding: str, path: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise IngestError(path, f"{encoding} 파일이 깨져 있습니다({e.start}바이트 부근). "
                                "파일을 다시 저장하세요.") from e


def _decode_utf16_without_bom(data: bytes, head: bytes) -> str | None:
    # UTF-16 text has its NULs on one side only (the high byte of ASCII characters).
    even_nuls, odd_nuls = head[0::2].count(0), head[1::2].count(0)
    encoding = "utf-16-le" if even_nuls == 0 else "utf-16-be" if odd_nuls == 0 else None
    if encoding and len(data) % 2 == 0:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            return None
        if _printable_share(text) >= 0.95:
            return text
    return None


def _printable_share(text: str) -> float:
    sample = text[:4096]
    if not sample:
        return 0.0
    return sum(c.isprintable() or c in "\n\r\t" for c in sample) / len(sample)
