"""Build the binary documents the ingest tests read (xlsx, PDF, HWP, HWPX) from text sources, at test time.

Sources live in tests/data/docs/ as text. A document source (`read_doc`) is one paragraph a line;
a line starting with "|" is a table row (cells between bars; consecutive rows make one table); a
"---" line is a page break (PDF only). BigKinds sources (`read_bigkinds`) are JSON Lines: the header
as a list, then one object per row. Writers are dev-only: openpyxl, reportlab (its built-in CID
font, so no font file is needed) and our own CFB writer for HWP.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from tests.docs.cfb import build_cfb

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

Table = list[list[str]]
Block = str | Table
PAGE_BREAK = "\f"


def read_doc(path: Path) -> list[Block]:
    """A document source: paragraphs (str), tables (lists of rows) and PAGE_BREAK markers."""
    blocks: list[Block] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            row = line.strip().strip("|").split("|")
            if blocks and isinstance(blocks[-1], list):
                blocks[-1].append(row)
            else:
                blocks.append([row])
        elif line.strip() == "---":
            blocks.append(PAGE_BREAK)
        elif line.strip():
            blocks.append(line)
    return blocks


def read_bigkinds(path: Path) -> list[list]:
    """A BigKinds source as sheet rows, the header first; missing cells are empty."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    return [header] + [[row.get(h, "") for h in header] for row in map(json.loads, lines[1:])]


# --- BigKinds xlsx -----------------------------------------------------------------------------------

def make_bigkinds_xlsx(path: Path, rows: Sequence[Sequence]) -> Path:
    """An .xlsx whose first sheet holds rows (the header first), as a BigKinds download does.

    An ISO date string ("2025-03-16") in a column named 일자 becomes a real date cell, so the three
    ways exports store 일자 (text "20250314", number 20250315, date) can all be written.
    """
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("sheet")
    header = list(rows[0])
    ws.append(header)
    day = header.index("일자") if "일자" in header else -1
    for row in rows[1:]:
        cells = list(row)
        if 0 <= day < len(cells) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cells[day])):
            cells[day] = dt.datetime.fromisoformat(cells[day])
        ws.append(cells)
    wb.save(path)
    return path


# --- PDF ---------------------------------------------------------------------------------------------

PDF_FONT, PDF_SIZE, PDF_WIDTH, PDF_TOP, PDF_BOTTOM = "HYSMyeongJo-Medium", 10, 480.0, 800.0, 70.0


def make_pdf(path: Path, blocks: Sequence[Block], password: str | None = None) -> Path:
    """A PDF of the blocks: paragraphs wrapped at word boundaries, a table row on one line (cells two
    spaces apart), "- N -" page numbers at the foot of each page. With a password (even ""), the
    file is AES-256 encrypted with that user password."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)  # invariant: the same bytes on every run
    page, y = 1, PDF_TOP
    for line in _pdf_lines(blocks, lambda s: pdfmetrics.stringWidth(s, PDF_FONT, PDF_SIZE)):
        if line == PAGE_BREAK or y < PDF_BOTTOM:
            page, y = _next_page(c, page), PDF_TOP
            if line == PAGE_BREAK:
                continue
        c.setFont(PDF_FONT, PDF_SIZE)
        c.drawString(50, y, line)
        y -= 16
    _page_number(c, page)
    c.save()
    data = buf.getvalue() if password is None else _encrypt(buf.getvalue(), password)
    path.write_bytes(data)
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF of pictures only (filled shapes, no text), as a scanner makes."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for i in range(pages):
        c.rect(60, 300 + 10 * i, 400, 300, fill=1)
        c.showPage()
    c.save()
    path.write_bytes(buf.getvalue())
    return path


def _pdf_lines(blocks: Sequence[Block], width: Callable[[str], float]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, list):
            lines.extend("  ".join(cell for cell in row if cell) for row in block)
        elif block == PAGE_BREAK:
            lines.append(PAGE_BREAK)
        else:
            lines.extend(_wrap(block.strip(), width))
    return lines


def _wrap(text: str, width: Callable[[str], float]) -> list[str]:
    out, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and width(candidate) > PDF_WIDTH:
            out.append(current)
            candidate = word
        current = candidate
    return out + [current]


def _next_page(c: Canvas, page: int) -> int:
    _page_number(c, page)
    c.showPage()
    return page + 1


def _page_number(c: Canvas, page: int) -> None:
    c.setFont(PDF_FONT, PDF_SIZE)
    c.drawCentredString(297, 40, f"- {page} -")


def _encrypt(data: bytes, password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password="owner-only-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- HWP 5.0 -----------------------------------------------------------------------------------------

PARA_HEADER, PARA_TEXT, PARA_CHAR_SHAPE, CTRL_HEADER, LIST_HEADER = 66, 67, 68, 71, 72
DOCUMENT_PROPERTIES, ID_MAPPINGS = 16, 17


def make_hwp(path: Path, blocks: Sequence[Block], password: bool = False, distribution: bool = False,
             compressed: bool = True) -> Path:
    """An HWP 5.0 file: FileHeader, DocInfo, BodyText/Section0 (tables as real table controls with
    one paragraph per cell) and PrvText. With password, the flag is set and the body is noise, as
    an encrypted body reads. Hancom Office is not expected to open it (DocInfo has no styles)."""
    flags = (1 if compressed else 0) | (2 if password else 0) | (4 if distribution else 0)
    header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05010001, flags)
    docinfo = (hwp_record(DOCUMENT_PROPERTIES, 0, struct.pack("<7H3I", 1, 1, 1, 1, 1, 1, 1, 0, 0, 0))
               + hwp_record(ID_MAPPINGS, 0, b"\0" * 72))
    body = b"".join(_hwp_block(b, i == 0) for i, b in enumerate(x for x in blocks if x != PAGE_BREAK))
    pack = _deflate if compressed else bytes
    preview = "\r\n".join(b for b in blocks if isinstance(b, str) and b != PAGE_BREAK)[:1024]
    path.write_bytes(build_cfb({
        "FileHeader": header.ljust(256, b"\0"), "DocInfo": pack(docinfo),
        "BodyText/Section0": bytes(range(256)) * 4 if password or distribution else pack(body),
        "PrvText": preview.encode("utf-16-le"),
    }))
    return path


def hwp_record(tag: int, level: int, payload: bytes) -> bytes:
    """One HWP record: a 32-bit header (tag, level, size; 0xFFF means the size follows)."""
    if len(payload) >= 0xFFF:
        return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload
    return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload


def hwp_control(code: int, ctrl_id: bytes) -> str:
    """An inline/extended control in paragraph text: 8 UTF-16 units (code, id, zeros, code)."""
    return chr(code) + (ctrl_id[::-1] + b"\0" * 8).decode("utf-16-le") + chr(code)


def hwp_paragraph(text: str, level: int = 0) -> bytes:
    units = (text + "\r").encode("utf-16-le")
    head = struct.pack("<IIHBBHHHIH", len(units) // 2, 0, 0, 0, 0, 1, 0, 1, 0, 0)
    return (hwp_record(PARA_HEADER, level, head) + hwp_record(PARA_TEXT, level + 1, units)
            + hwp_record(PARA_CHAR_SHAPE, level + 1, b"\0" * 8))


def _hwp_block(block: Block, first: bool) -> bytes:
    lead = hwp_control(2, b"secd") + hwp_control(2, b"cold") if first else ""  # every section starts so
    if isinstance(block, str):
        return hwp_paragraph(lead + _hwp_tabs(block))
    out = hwp_paragraph(lead + hwp_control(11, b"tbl ")) + hwp_record(CTRL_HEADER, 1, b" lbt" + b"\0" * 40)
    for row in block:
        for cell in row:
            out += hwp_record(LIST_HEADER, 2, b"\0" * 8) + hwp_paragraph(_hwp_tabs(cell), 2)
    return out


def _hwp_tabs(text: str) -> str:
    """A tab is an inline control in HWP text: 8 units, not the single character."""
    return text.replace("\t", hwp_control(9, b"\0\0\0\0"))


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, as HWP stores streams
    return c.compress(data) + c.flush()


# --- HWPX --------------------------------------------------------------------------------------------

HWPX_MIME = "application/hwp+zip"
NS = ('xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph" '
      'xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
      'xmlns:opf="http://www.idpf.org/2007/opf/"')
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>'


def make_hwpx(path: Path, blocks: Sequence[Block], sections: int = 1) -> Path:
    """An HWPX package: mimetype (first, stored), content.hpf with its spine, section XML with
    hp:p/hp:run/hp:t (tabs as hp:tab), tables as hp:tbl cells. With sections > 1 the blocks are
    split into that many consecutive sections, listed in the spine in reverse file-name order
    (section1 before section0) so a reader must follow the spine."""
    body = [b for b in blocks if b != PAGE_BREAK]
    size = -(-len(body) // sections)
    parts = [body[i * size:(i + 1) * size] for i in range(sections)]
    order = list(reversed(range(sections)))
    files = {f"Contents/section{n}.xml": _hwpx_section(parts[k]) for k, n in enumerate(order)}
    items = "".join(f'<opf:item id="s{n}" href="Contents/section{n}.xml" media-type="application/xml"/>'
                    for n in range(sections))
    spine = "".join(f'<opf:itemref idref="s{n}"/>' for n in order)
    files["Contents/content.hpf"] = (f'{XML_DECL}<opf:package {NS}><opf:manifest>{items}</opf:manifest>'
                                     f'<opf:spine>{spine}</opf:spine></opf:package>')
    files["Contents/header.xml"] = f'{XML_DECL}<hh:head xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head"/>'
    files["Preview/PrvText.txt"] = "\r\n".join(b for b in body if isinstance(b, str))[:1024]
    return write_zip(path, {"mimetype": HWPX_MIME, **files})


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    """A zip with "mimetype" (if any) first and stored, the rest deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            raw = data.encode("utf-8") if isinstance(data, str) else data
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            z.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), raw, compress_type=method)
    path.write_bytes(buf.getvalue())
    return path


def _hwpx_section(blocks: Sequence[Block]) -> str:
    paras = []
    for block in blocks:
        if isinstance(block, str):
            paras.append(_hwpx_para(block))
            continue
        rows = "".join("<hp:tr>" + "".join(f"<hp:tc><hp:subList>{_hwpx_para(cell)}</hp:subList></hp:tc>"
                                           for cell in row) + "</hp:tr>" for row in block)
        paras.append(f'<hp:p><hp:run><hp:tbl rowCnt="{len(block)}">{rows}</hp:tbl></hp:run></hp:p>')
    return f"{XML_DECL}<hs:sec {NS}>{''.join(paras)}</hs:sec>"


def _hwpx_para(text: str) -> str:
    inner = '<hp:tab width="4000"/>'.join(escape(part) for part in text.split("\t"))
    return f'<hp:p paraPrIDRef="0"><hp:run charPrIDRef="0"><hp:t>{inner}</hp:t></hp:run></hp:p>'
