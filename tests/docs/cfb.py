"""A minimal Compound File Binary (CFB/OLE2, version 3) writer, so tests can build HWP 5.0 files.

Standard library only. Nested storages ("BodyText/Section0"), a mini stream for streams under
4,096 bytes, regular 512-byte sectors otherwise, and a directory whose sibling trees are balanced and
coloured so the red-black rules hold (deepest level red). No DIFAT sectors, so files stay under
about 6.8 MB: plenty for fixtures.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1
HEADER_DIFAT = 109
_DIR_ENTRY = "<64sHBBIII16sIQQIQ"


class Entry:
    """One directory entry: the root, a storage or a stream."""

    def __init__(self, name: str, kind: int, data: bytes = b"") -> None:
        if len(name) > 31 or any(c in name for c in "/\\:!"):
            raise ValueError(f"not a CFB entry name: {name!r}")
        self.name, self.kind, self.data = name, kind, data
        self.children: dict[str, Entry] = {}
        self.sid, self.start, self.size, self.color = 0, 0, 0, BLACK
        self.left = self.right = self.child = NOSTREAM

    def sorted_children(self) -> list[Entry]:
        # MS-CFB 2.6.4: shorter names first, then the upper-cased names in code-point order.
        return sorted(self.children.values(), key=lambda c: (len(c.name), c.name.upper()))


def build_cfb(streams: Mapping[str, bytes]) -> bytes:
    """The bytes of a CFB file holding `streams` ({"Storage/Stream": data})."""
    root = _tree(streams)
    entries = _directory(root)
    mini, minifat, big = _mini_stream(entries)
    n_dir, n_minifat, n_mini = _sectors(len(entries) * 128), _sectors(len(minifat) * 4), _sectors(len(mini))
    n_big = sum(_sectors(e.size) for e in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini + n_big:  # the FAT maps itself too
        n_fat += 1
    if n_fat > HEADER_DIFAT:
        raise ValueError("too large for a writer without DIFAT sectors (~6.8 MB)")
    fat = [FATSECT] * n_fat + [FREESECT] * (n_fat * (SECTOR // 4) - n_fat)
    dir_start = _chain(fat, n_fat, n_dir)
    minifat_start = _chain(fat, dir_start + n_dir, n_minifat)
    mini_start = _chain(fat, dir_start + n_dir + n_minifat, n_mini)
    pos, body = dir_start + n_dir + n_minifat + n_mini, bytearray()
    for e in big:
        n = _sectors(e.size)
        e.start = _chain(fat, pos, n)
        pos += n
        body += e.data.ljust(n * SECTOR, b"\0")
    root.start, root.size = (mini_start if n_mini else ENDOFCHAIN), len(mini)
    out = bytearray(_header(n_fat, dir_start, minifat_start if n_minifat else ENDOFCHAIN, n_minifat))
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += _directory_bytes(entries, n_dir)
    out += struct.pack(f"<{n_minifat * SECTOR // 4}I", *(minifat + [FREESECT] * (n_minifat * SECTOR // 4
                                                                                 - len(minifat))))
    out += bytes(mini).ljust(n_mini * SECTOR, b"\0") + body
    return bytes(out)


def _sectors(nbytes: int) -> int:
    return -(-nbytes // SECTOR)


def _chain(fat: list[int], first: int, count: int) -> int:
    for i in range(count):
        fat[first + i] = first + i + 1 if i < count - 1 else ENDOFCHAIN
    return first


def _tree(streams: Mapping[str, bytes]) -> Entry:
    root = Entry("Root Entry", ROOT)
    for path, data in streams.items():
        parts = [p for p in path.split("/") if p]
        node = root
        for part in parts[:-1]:
            node = node.children.setdefault(part.upper(), Entry(part, STORAGE))
            if node.kind != STORAGE:
                raise ValueError(f"{part!r} is both a stream and a storage")
        if parts[-1].upper() in node.children:
            raise ValueError(f"duplicate entry {path!r}")
        node.children[parts[-1].upper()] = Entry(parts[-1], STREAM, bytes(data))
    return root


def _directory(root: Entry) -> list[Entry]:
    """Entries breadth-first (the root is 0), each storage's children as a balanced coloured tree."""
    entries, queue = [], [root]
    while queue:
        e = queue.pop(0)
        e.sid = len(entries)
        entries.append(e)
        queue.extend(e.sorted_children())
    for e in entries:
        if e.children:
            placed: list[tuple[Entry, int]] = []
            e.child = _balanced(e.sorted_children(), 0, placed)
            deepest = max(d for _, d in placed)
            for node, d in placed:  # every path then has the same number of black nodes
                node.color = RED if d == deepest > 0 else BLACK
    return entries


def _balanced(nodes: list[Entry], depth: int, placed: list[tuple[Entry, int]]) -> int:
    if not nodes:
        return NOSTREAM
    mid = len(nodes) // 2
    node = nodes[mid]
    placed.append((node, depth))
    node.left = _balanced(nodes[:mid], depth + 1, placed)
    node.right = _balanced(nodes[mid + 1:], depth + 1, placed)
    return node.sid


def _mini_stream(entries: list[Entry]) -> tuple[bytearray, list[int], list[Entry]]:
    """Streams under MINI_CUTOFF go to the mini stream; the others are returned for regular sectors."""
    mini, minifat, big = bytearray(), [], []
    for e in entries:
        if e.kind != STREAM:
            continue
        e.size = len(e.data)
        if e.size == 0:
            e.start = ENDOFCHAIN
        elif e.size < MINI_CUTOFF:
            n = -(-e.size // MINI_SECTOR)
            e.start = len(minifat)
            minifat.extend(e.start + i + 1 if i < n - 1 else ENDOFCHAIN for i in range(n))
            mini += e.data.ljust(n * MINI_SECTOR, b"\0")
        else:
            big.append(e)
    return mini, minifat, big


def _header(n_fat: int, dir_start: int, minifat_start: int, n_minifat: int) -> bytes:
    header = bytearray(SECTOR)
    struct.pack_into("<8s16sHHHHH6sIIIIIIIII", header, 0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", b"\0" * 16,
                     0x003E, 0x0003, 0xFFFE, 9, 6, b"\0" * 6, 0, n_fat, dir_start, 0, MINI_CUTOFF,
                     minifat_start, n_minifat, ENDOFCHAIN, 0)
    struct.pack_into("<109I", header, 0x4C, *(list(range(n_fat)) + [FREESECT] * (HEADER_DIFAT - n_fat)))
    return bytes(header)


def _directory_bytes(entries: list[Entry], n_dir: int) -> bytes:
    out = bytearray()
    for e in entries:
        name = e.name.encode("utf-16-le") + b"\0\0"
        start, size = (0, 0) if e.kind == STORAGE else (e.start, e.size)
        out += struct.pack(_DIR_ENTRY, name, len(name), e.kind, e.color, e.left, e.right, e.child,
                           b"\0" * 16, 0, 0, 0, start, size)
    empty = struct.pack(_DIR_ENTRY, b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    return bytes(out + empty * (n_dir * 4 - len(entries)))
