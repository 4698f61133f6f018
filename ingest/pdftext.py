"""Read a PDF press release (보도자료) into a ParsedArticle: pypdf extracts each page's text lines,
ingest/release.py recognises the layout.

Encrypted PDFs: a file that opens with the empty user password (only an owner password, which
restricts printing or copying) is read, as any PDF viewer shows it without asking; any other is
refused. Scanned PDFs (pages that are pictures) have no text to extract and are refused: no OCR is
done. Lines come in content-stream order, which for PDFs exported from HWP or Word is reading order;
two-column layouts come out column by column only if the file draws them so.
"""

from __future__ import annotations

import io
import logging

from pypdf import PasswordType, PdfReader
from pypdf.errors import FileNotDecryptedError, PyPdfError

from errors import IngestError
from ingest.release import parse_release
from schema import ParsedArticle

PAGES_MAX = 2000  # a press release is a few pages; a book-sized PDF is not one
# pypdf raises these (besides its own errors) on damaged files: cut streams, bad objects, loops.
_DAMAGED = (PyPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError,
            ZeroDivisionError)
ENCRYPTED = "암호가 걸린 PDF입니다. 암호를 해제한 파일을 넣으세요."
DAMAGED = "PDF 파일이 손상되었거나 PDF가 아닙니다. 원본 파일을 다시 내려받거나 PDF로 다시 저장해 넣으세요."
SCANNED = ("PDF에서 글자를 찾지 못했습니다(스캔한 이미지 PDF로 보입니다). 글자 인식(OCR)은 하지 않으니, "
           "한글·워드 원본이나 글자가 들어 있는 PDF를 넣으세요.")


def parse_pdf(data: bytes, name: str) -> ParsedArticle:
    """The press release in a PDF's bytes; raise IngestError (naming `name`) when it cannot be read."""
    return parse_release(read_pdf_lines(data, name), name, wrapped=True)


def read_pdf_lines(data: bytes, name: str) -> list[str]:
    """Every page's text lines, in order."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files log a warning per object
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise IngestError(name, ENCRYPTED)
        if len(reader.pages) > PAGES_MAX:
            raise IngestError(name, f"쪽수가 너무 많습니다({len(reader.pages):,}쪽 > {PAGES_MAX:,}쪽). "
                                    "보도자료 한 건씩 나누어 넣으세요.")
        lines = [line for page in reader.pages for line in (page.extract_text() or "").splitlines()]
    except FileNotDecryptedError as e:
        raise IngestError(name, ENCRYPTED) from e
    except _DAMAGED as e:
        raise IngestError(name, DAMAGED) from e
    if not any(line.strip() for line in lines):
        raise IngestError(name, SCANNED)
    return lines
