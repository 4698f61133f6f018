"""Read Hangul word-processor press releases, HWP 5.0 (binary) and HWPX (zipped XML), into ParsedArticles.

Our own minimal readers, because no maintained pure-Python HWP reader has a usable licence: pyhwp
and pyhwp2 are AGPL-3.0 (and pyhwp's text output drops table cells, where press releases keep their
contact block), the MIT ones are young single-author packages or ship native libraries. Both readers
only extract paragraph text, table cells one paragraph each in document order; ingest/release.py
then recognises the press-release layout.

HWP 5.0 (Hancom's published format, an OLE compound file read with olefile): the FileHeader stream
holds the signature, version and flags (bit 0 compressed, bit 1 password, bit 2 distribution/배포용);
BodyText/SectionN streams (raw deflate when compressed) hold records with a 32-bit header (tag 10
bits, level 10 bits, size 12 bits; 0xFFF means a uint32 size follows). HWPTAG_PARA_TEXT (67) is
UTF-16LE where control characters below 32 take one unit ({0, 10, 13, 24–31}) or eight (the rest,
whose payload is skipped). Password and distribution documents keep their body encrypted and are
refused; HWP 3.x files are refused with a message to re-save them.

HWPX (OWPML): a zip whose Contents/content.hpf spine orders the Contents/section*.xml files; text is
in hs:sec/hp:p/hp:run/hp:t. XML is parsed without DTDs, entities or network; every size is capped.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import olefile
from lxml import etree

from errors import IngestError
from ingest.release import parse_release
from schema import ParsedArticle

STREAM_MAX = 64 * 2**20  # one decompressed HWP section or HWPX member
TOTAL_MAX = 256 * 2**20  # all of a document's decompressed text streams together
SECTIONS_MAX = 1000
MEMBERS_MAX = 10_000
HWP_SIGNATURE = b"HWP Document File"
FLAG_COMPRESSED, FLAG_PASSWORD, FLAG_DISTRIBUTION = 1, 2, 4
PARA_TEXT = 67
_ONE_UNIT = frozenset({0, 10, 13, 24, 25, 26, 27, 28, 29, 30, 31})  # other controls below 32 take 8
_CONTROL_TEXT = {9: "\t", 10: "\n", 24: "-", 30: " ", 31: " "}
_CONTROL = re.compile("[\x00-\x1f]")
_SECTION = re.compile(r"Section([0-9]+)")
_HWPX_SECTION = re.compile(r"Contents/section([0-9]+)\.xml")
HWPX_MIME = b"application/hwp+zip"
HWPML = "hancom.co.kr/hwpml"
_INLINE = {"tab": "\t", "lineBreak": "\n", "nbSpace": "\u00a0", "fwSpace": " ", "hyphen": "-"}
# No DTD, no entity expansion, no network; huge_tree off keeps libxml2's depth and size limits.
_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                       remove_comments=True, remove_pis=True)

HWP_DAMAGED = "한글(HWP) 파일이 손상되었거나 HWP 5.0 문서가 아닙니다. 한글에서 열어 다시 저장한 뒤 넣으세요."
HWP_PASSWORD = "암호가 걸린 한글(HWP) 문서입니다. 한글에서 암호를 해제하고 저장한 뒤 다시 넣으세요."
HWP_DISTRIBUTION = ("배포용 한글(HWP) 문서는 본문이 암호화되어 있어 읽을 수 없습니다. "
                    "작성 기관에 일반 HWP·HWPX 파일이나 글자가 들어 있는 PDF를 받아 넣으세요.")
HWP_OLD = "HWP 97(3.0) 이하의 옛 형식은 읽지 못합니다. 한글에서 열어 HWP(5.0 이상)나 HWPX로 다시 저장해 넣으세요."
HWPX_NOT = ("HWPX 문서가 아닙니다(Contents/section*.xml이 든 한글 문서여야 합니다). "
            "한글에서 HWPX로 다시 저장해 넣으세요.")
HWPX_DAMAGED = "HWPX 파일이 손상되었습니다. 한글에서 열어 다시 저장한 뒤 넣으세요."
HWPX_ENCRYPTED = "암호가 걸린 HWPX 문서입니다. 한글에서 암호를 해제하고 저장한 뒤 다시 넣으세요."
TOO_BIG = "압축을 푼 크기가 너무 큽니다(압축 폭탄으로 보입니다). 한글에서 다시 저장하거나 나누어 넣으세요."


def parse_hangul(data: bytes, name: str) -> ParsedArticle:
    """The press release in an HWP or HWPX file's bytes, told apart by content (not by suffix)."""
    return parse_release(read_hangul_lines(data, name), name)


def read_hangul_lines(data: bytes, name: str) -> list[str]:
    """The document's paragraphs as lines: HWPX when the bytes are a zip, else HWP 5.0."""
    if data[:4] == b"PK\x03\x04":
        return read_hwpx_lines(data, name)
    return read_hwp_lines(data, name)


# --- HWP 5.0 -----------------------------------------------------------------------------------------

def read_hwp_lines(data: bytes, name: str) -> list[str]:
    """Every PARA_TEXT of every BodyText section, in order, split at line breaks."""
    if data.startswith(HWP_SIGNATURE):
        raise IngestError(name, HWP_OLD)  # HWP 3.x is a plain file starting with the signature
    if not olefile.isOleFile(data=data):
        raise IngestError(name, HWP_DAMAGED)
    try:
        with olefile.OleFileIO(data) as ole:
            compressed = _hwp_flags(ole, name)
            streams = [ole.openstream(["BodyText", s]).read() for s in _hwp_sections(ole, name)]
    except (OSError, struct.error, ValueError, IndexError, KeyError) as e:  # olefile's damaged-file errors
        raise IngestError(name, HWP_DAMAGED) from e
    lines, total = [], 0
    for raw in streams:
        stream = _inflate(raw, name) if compressed else raw
        total += len(stream)
        if total > TOTAL_MAX:
            raise IngestError(name, TOO_BIG)
        for payload in _para_texts(stream, name):
            lines.extend(para_text(payload).split("\n"))
    return lines


def _hwp_flags(ole: olefile.OleFileIO, name: str) -> bool:
    """Whether the body is compressed; raise IngestError for password and distribution documents."""
    if not ole.exists("FileHeader"):
        raise IngestError(name, HWP_DAMAGED)
    raw = ole.openstream("FileHeader").read(256)
    if len(raw) < 40 or not raw.startswith(HWP_SIGNATURE):
        raise IngestError(name, HWP_DAMAGED)
    _version, flags = struct.unpack_from("<II", raw, 32)
    if flags & FLAG_PASSWORD:
        raise IngestError(name, HWP_PASSWORD)
    if flags & FLAG_DISTRIBUTION:
        raise IngestError(name, HWP_DISTRIBUTION)
    return bool(flags & FLAG_COMPRESSED)


def _hwp_sections(ole: olefile.OleFileIO, name: str) -> list[str]:
    found = [(int(m.group(1)), parts[1]) for parts in ole.listdir(streams=True, storages=False)
             if len(parts) == 2 and parts[0] == "BodyText" and (m := _SECTION.fullmatch(parts[1]))]
    if not found or len(found) > SECTIONS_MAX:
        raise IngestError(name, HWP_DAMAGED)
    return [s for _, s in sorted(found)]


def _inflate(raw: bytes, name: str) -> bytes:
    inflater = zlib.decompressobj(-15)  # raw deflate: no zlib header
    try:
        out = inflater.decompress(raw, STREAM_MAX)
    except zlib.error as e:
        raise IngestError(name, HWP_DAMAGED) from e
    if inflater.unconsumed_tail:
        raise IngestError(name, TOO_BIG)
    return out


def _para_texts(stream: bytes, name: str) -> list[bytes]:
    """The payloads of a section's PARA_TEXT records."""
    out, pos, end = [], 0, len(stream)
    while pos + 4 <= end:
        (head,) = struct.unpack_from("<I", stream, pos)
        tag, size, pos = head & 0x3FF, head >> 20, pos + 4
        if size == 0xFFF:
            if pos + 4 > end:
                raise IngestError(name, HWP_DAMAGED)
            (size,), pos = struct.unpack_from("<I", stream, pos), pos + 4
        if pos + size > end:
            raise IngestError(name, HWP_DAMAGED)
        if tag == PARA_TEXT:
            out.append(stream[pos:pos + size])
        pos += size
    return out


def para_text(payload: bytes) -> str:
    """A PARA_TEXT payload as text: control characters mapped or skipped with their payload."""
    text = payload[:len(payload) // 2 * 2].decode("utf-16-le", "surrogatepass")
    out: list[str] = []
    pos = 0
    for m in _CONTROL.finditer(text):
        if m.start() < pos:
            continue  # inside the payload of an 8-unit control
        code = ord(m.group())
        out += (text[pos:m.start()], _CONTROL_TEXT.get(code, ""))
        pos = m.start() + (1 if code in _ONE_UNIT else 8)
    out.append(text[pos:])
    # Lone surrogate halves (damaged text) become U+FFFD; pairs were joined by the decoding.
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


# --- HWPX --------------------------------------------------------------------------------------------

def read_hwpx_lines(data: bytes, name: str) -> list[str]:
    """Every paragraph of every section in spine order; table-cell paragraphs follow their table's."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = _hwpx_members(z, name)
            lines: list[str] = []
            for section in _hwpx_sections(z, members, name):
                for p in _parse_xml(_read_member(z, section, name), name):
                    if _is_hp(p, "p"):
                        lines.extend(t for text in _paragraphs(p) for t in text.split("\n"))
            return lines
    # RuntimeError: zipfile's answer to a password-protected member
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError) as e:
        raise IngestError(name, HWPX_DAMAGED) from e


def _hwpx_members(z: zipfile.ZipFile, name: str) -> set[str]:
    infos = z.infolist()
    if len(infos) > MEMBERS_MAX or sum(i.file_size for i in infos) > TOTAL_MAX \
            or any(i.file_size > STREAM_MAX for i in infos):
        raise IngestError(name, TOO_BIG)
    members = {i.filename for i in infos}
    if "mimetype" in members and _read_member(z, "mimetype", name).strip() != HWPX_MIME:
        raise IngestError(name, HWPX_NOT)
    if "META-INF/manifest.xml" in members and b"encryption-data" in _read_member(z, "META-INF/manifest.xml", name):
        raise IngestError(name, HWPX_ENCRYPTED)
    return members


def _hwpx_sections(z: zipfile.ZipFile, members: set[str], name: str) -> list[str]:
    """Sections in the order content.hpf's spine gives; numeric file order when it gives none."""
    order: list[str] = []
    if "Contents/content.hpf" in members:
        package = _parse_xml(_read_member(z, "Contents/content.hpf", name), name)
        hrefs = {el.get("id"): el.get("href") or "" for el in package.iter() if _local(el) == "item"}
        order = [h for el in package.iter() if _local(el) == "itemref"
                 and _HWPX_SECTION.fullmatch(h := hrefs.get(el.get("idref"), "")) and h in members]
    if not order:
        order = sorted((m for m in members if _HWPX_SECTION.fullmatch(m)),
                       key=lambda m: int(_HWPX_SECTION.fullmatch(m).group(1)))
    if not order:
        raise IngestError(name, HWPX_NOT)
    return list(dict.fromkeys(order))[:SECTIONS_MAX]


def _read_member(z: zipfile.ZipFile, member: str, name: str) -> bytes:
    with z.open(member) as f:
        data = f.read(STREAM_MAX + 1)  # the size a header declares can lie: cap the real read
    if len(data) > STREAM_MAX:
        raise IngestError(name, TOO_BIG)
    return data


def _parse_xml(data: bytes, name: str) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=_XML)
    except etree.XMLSyntaxError as e:
        raise IngestError(name, HWPX_DAMAGED) from e
    if root.getroottree().docinfo.internalDTD is not None:  # entity tricks need a DTD: none is allowed
        raise IngestError(name, HWPX_DAMAGED)
    return root


def _local(el) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def _is_hp(el, local: str) -> bool:
    """An element of a Hancom paragraph namespace (2011, or the 2016 hp10 extension) by local name."""
    return isinstance(el.tag, str) and el.tag.endswith("}" + local) and HWPML in el.tag


def _paragraphs(p) -> list[str]:
    """hp:p's own text, then the paragraphs nested in it (table cells, text boxes) in order."""
    own: list[str] = []
    nested: list = []
    stack = list(reversed(list(p)))
    while stack:
        el = stack.pop()
        if _is_hp(el, "p"):
            nested.append(el)
        elif _is_hp(el, "t"):
            own.append(_t_text(el))
        else:
            stack.extend(reversed(list(el)))
    return ["".join(own)] + [text for n in nested for text in _paragraphs(n)]


def _t_text(t) -> str:
    parts = [t.text or ""]
    for child in t:
        parts.append(_INLINE.get(_local(child), ""))
        parts.append(child.tail or "")
    return "".join(parts)
