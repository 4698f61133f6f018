"""uploads.py with real files: hostile names stay inside the folder, archives and oversize files are refused."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.build import make_bigkinds_xlsx, make_hwp, make_hwpx, make_pdf, read_bigkinds, read_doc
from uploads import MAX_NAME_BYTES, archive_kind, safe_name, save_uploads

MB = 2**20


@dataclass
class FakeUpload:
    """The part of Streamlit's UploadedFile that saving reads; `reported` overrides the size it claims."""

    name: str
    data: bytes
    reported: int | None = None

    @property
    def size(self) -> int:
        return len(self.data) if self.reported is None else self.reported

    def getvalue(self) -> bytes:
        return self.data


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def tar_bytes() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        data = "기사 본문".encode()
        info = tarfile.TarInfo("news.txt")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# --- names ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd.txt", "passwd.txt"), ("C:\\Users\\me\\기사.md", "기사.md"),
    ("/etc/cron.d/evil.csv", "evil.csv"), ("..\\..\\..\\win.jsonl", "win.jsonl"),
    ("a\x00b.txt", "ab.txt"), ("../\x00../x.txt", "x.txt"), (".hidden.csv", "hidden.csv"),
    ("..", "upload"), ("...", "upload"), ("what?<>|.html", "what____.html"),
    ("x" * 300 + ".jsonl", "x" * 94 + ".jsonl"), ("보고서\u202etxt.md", "보고서txt.md"),
])
def test_safe_name(given, expected):
    assert safe_name(given) == expected


@pytest.mark.parametrize("given", ["가" * 300 + ".txt", "기" * 90 + ".jsonl", "é" * 200 + ".md"])
def test_safe_name_fits_a_file_system_name_in_bytes(given):
    name = safe_name(given)
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.endswith(Path(given).suffix) and len(name) > 40


def test_hostile_names_never_write_outside_the_upload_folder(tmp_path):
    dest, outside = tmp_path / "up", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    hostile = ["../escape.txt", "../../escape2.txt", f"{outside}/absolute.md",
               "../nul\x00.txt", "..\\..\\back.jsonl", "x" * 1000 + ".txt", "가" * 300 + ".md",
               "sub/dir/../../../up.html"]
    files = [FakeUpload(name, f"내용 {i}".encode()) for i, name in enumerate(hostile)]
    saved = save_uploads(files, dest, max_file_bytes=MB, max_total_bytes=MB)
    assert saved.refused == []
    assert tree(tmp_path) == {"up", "outside"} | {f"up/{p.name}" for p in saved.files}
    assert len(saved.files) == len(hostile)
    for (path, shown), f in zip(saved.files.items(), files, strict=True):
        assert path.parent == dest.resolve() and shown == f"upload/{path.name}"
        assert path.read_bytes() == f.data
        assert len(path.name.encode("utf-8")) <= MAX_NAME_BYTES


def test_same_safe_name_twice_gets_a_new_name_never_overwrites(tmp_path):
    saved = save_uploads([FakeUpload("../a.txt", b"1"), FakeUpload("a.txt", b"2"), FakeUpload("/a.txt", b"3")],
                         tmp_path, max_file_bytes=MB, max_total_bytes=MB)
    assert {p.name: p.read_bytes() for p in saved.files} == {"a.txt": b"1", "a-2.txt": b"2", "a-3.txt": b"3"}


# --- archives ---------------------------------------------------------------------------------------

BOMB = zip_bytes({"bomb.txt": b"\0" * (20 * MB)})  # 20 MB that deflates to about 20 KB
ARCHIVES = {
    "zip": zip_bytes({"news.txt": "기사".encode()}), "zip-bomb": BOMB,
    "nested-zip": zip_bytes({"inner.zip": BOMB}), "empty-zip": zip_bytes({}),
    "zip-behind-text": "머리말 텍스트\n".encode() + zip_bytes({"a.txt": b"a"}),
    "gzip": gzip.compress("기사 본문".encode()), "bzip2": bz2.compress("기사 본문".encode()),
    "xz": lzma.compress("기사 본문".encode()), "tar": tar_bytes(),
    "7z": b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 24, "rar": b"Rar!\x1a\x07\x01\x00" + b"\0" * 24,
    "zstd": b"\x28\xb5\x2f\xfd" + b"\0" * 16,
}


@pytest.mark.parametrize("kind", ARCHIVES)
@pytest.mark.parametrize("name", ["notes.txt", "data.csv", "page.html", "export.jsonl", "report.pdf", "release.hwp",
                                  "sheet.xlsx", "release.hwpx"])
def test_archives_are_refused_by_content_whatever_the_name(tmp_path, kind, name):
    saved = save_uploads([FakeUpload(name, ARCHIVES[kind])], tmp_path, max_file_bytes=MB,
                         max_total_bytes=MB)
    assert saved.files == {} and list(tmp_path.iterdir()) == []
    ((given, reason),) = saved.refused
    assert given == name and reason.startswith("압축 파일(") and "압축을 풀어" in reason


@pytest.mark.parametrize("name", ["news.zip", "a.tar.gz", "b.tgz", "c.7z", "d.rar", "e.tar", "f.ZIP", "g.xz"])
def test_archives_are_refused_by_name(tmp_path, name):
    saved = save_uploads([FakeUpload(name, "평범한 기사 본문".encode())], tmp_path, MB, MB)
    assert saved.files == {} and [n for n, _ in saved.refused] == [name]
    assert "압축 파일은 받지 않습니다" in saved.refused[0][1]


@pytest.mark.parametrize("text", ["BZh는 약어입니다.", "PK 시리즈 기사", "7z 형식 설명", "Rar! 감탄",
                                  "\ufeff제목,본문\n가,나\n", "<html><body>기사</body></html>"])
def test_text_that_merely_starts_like_a_magic_number_is_not_an_archive(text):
    assert archive_kind(text.encode("utf-8")) == ""


# --- sizes ------------------------------------------------------------------------------------------

def test_per_file_and_per_request_limits(tmp_path):
    files = [FakeUpload("big.csv", b"x" * 2048), FakeUpload("liar.txt", b"y" * 2048, reported=10),
             FakeUpload("fill.md", b"z" * 1000), FakeUpload("over.md", b"w" * 1000),
             FakeUpload("small.txt", b"s" * 400), FakeUpload("slides.pptx", b"x")]
    saved = save_uploads(files, tmp_path, max_file_bytes=1024, max_total_bytes=1500)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fill.md", "small.txt"]
    refused = dict(saved.refused)
    assert set(refused) == {"big.csv", "liar.txt", "over.md", "slides.pptx"}
    assert "너무 큽니다" in refused["big.csv"] and "너무 큽니다" in refused["liar.txt"]
    assert "한 번에 올릴 수 있는 용량" in refused["over.md"]
    assert "지원하지 않는 형식(.pptx)" in refused["slides.pptx"]


# --- documents that are ZIP containers (.xlsx, .hwpx) and binary documents (.pdf, .hwp) -----------------

DOCS = Path(__file__).resolve().parent / "data" / "docs"


def test_real_spreadsheets_hangul_documents_and_pdfs_are_accepted_byte_for_byte(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "up"
    src.mkdir()
    dest.mkdir()
    release = read_doc(DOCS / "release_ai_chip.txt")
    built = [make_bigkinds_xlsx(src / "bigkinds.xlsx", read_bigkinds(DOCS / "bigkinds.jsonl")),
             make_hwpx(src / "release.hwpx", release), make_hwp(src / "release.hwp", release),
             make_pdf(src / "release.pdf", release)]
    saved = save_uploads([FakeUpload(p.name, p.read_bytes()) for p in built], dest, MB, 4 * MB)
    assert saved.refused == []
    assert {p.name: p.read_bytes() for p in saved.files} == {p.name: p.read_bytes() for p in built}


HWPX_REFUSAL = ("압축 파일(ZIP)은 받지 않습니다. 확장자는 .hwpx이지만 한글(.hwpx) 문서가 아니라 일반 압축 파일입니다. "
                "압축을 풀어 안의 파일을 올리세요.")
XLSX_REFUSAL = HWPX_REFUSAL.replace(".hwpx이지만 한글(.hwpx)", ".xlsx이지만 엑셀(.xlsx)")
BOMB_REFUSAL = "압축을 풀면 지나치게 커집니다(압축 폭탄으로 보입니다). 원래 프로그램에서 다시 저장해 올리세요."


@pytest.mark.parametrize(("name", "files", "expected"), [
    ("sheet.xlsx", {"xl/workbook.xml": b"<workbook/>"}, XLSX_REFUSAL),  # no [Content_Types].xml
    ("sheet.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, XLSX_REFUSAL),  # a .docx
    ("doc.hwpx", {"mimetype": b"application/epub+zip", "Contents/section0.xml": b"<a/>"}, HWPX_REFUSAL),
    ("doc.hwpx", {"mimetype": b"application/hwp+zip", "news.txt": "기사".encode()}, HWPX_REFUSAL),
    ("sheet.xlsx", {"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * (20 * MB)},
     "엑셀(.xlsx) 파일인데 " + BOMB_REFUSAL),
    ("doc.hwpx", {"mimetype": b"application/hwp+zip", "Contents/section0.xml": b"\0" * (20 * MB)},
     "한글(.hwpx) 파일인데 " + BOMB_REFUSAL),
])
def test_zips_named_xlsx_or_hwpx_that_are_not_those_documents_are_refused(tmp_path, name, files, expected):
    saved = save_uploads([FakeUpload(name, zip_bytes(files))], tmp_path, MB, MB)
    assert saved.files == {} and list(tmp_path.iterdir()) == []
    assert saved.refused == [(name, expected)]


def test_a_real_xlsx_behind_a_prefix_is_refused(tmp_path):
    sheet = make_bigkinds_xlsx(tmp_path / "b.xlsx", read_bigkinds(DOCS / "bigkinds.jsonl")).read_bytes()
    dest = tmp_path / "up"
    dest.mkdir()
    saved = save_uploads([FakeUpload("glued.xlsx", b"prefix" + sheet)], dest, MB, MB)
    assert saved.refused == [("glued.xlsx", XLSX_REFUSAL)]
