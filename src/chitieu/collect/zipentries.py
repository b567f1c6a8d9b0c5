"""A workbook's zip itself, read with care: what it is, its entries' declared sizes, and each
entry inflated under a cap.

A zip's headers are the file's own word: its entries' declared sizes are checked against the
limits (``collect.limits``) before anything is inflated, and each entry is inflated from its
local header no further than its declared size (a lying header is caught) with its CRC checked.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from chitieu.collect.limits import MIB, Deadline, Limits, counts, mib
from chitieu.errors import InputFileError

_CHUNK = MIB
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # a zip entry's local header (30 bytes)


def check_magic(file: str, head: bytes) -> None:
    """Refuse what is not a zip at all, saying what it looks like."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(code="input-ole2", file=file)
    raise InputFileError(code="input-not-zip", file=file)


def damaged(file: str, entry: str) -> InputFileError:
    return InputFileError(code="input-zip-damaged", file=file, entry=entry)


def entries(zf: zipfile.ZipFile, file: str, lim: Limits, size: int) -> list[zipfile.ZipInfo]:
    """The zip's entries, their declared sizes and ratios within the limits."""
    infos = zf.infolist()
    if len(infos) > lim.max_zip_entries:
        raise InputFileError(
            code="input-zip-entries", file=file, count=len(infos), limit=lim.max_zip_entries
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputFileError(code="input-zip-encrypted", file=file, entry=info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputFileError(
                code="input-zip-method", file=file, entry=info.filename, method=info.compress_type
            )
        if info.header_offset + info.compress_size > size:
            raise damaged(file, info.filename)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MIB and ratio > lim.max_zip_ratio:
            raise InputFileError(
                code="input-zip-ratio",
                file=file,
                entry=info.filename,
                size=mib(info.file_size),
                ratio=f"{ratio:.0f}",
                limit=f"{lim.max_zip_ratio:g}",
            )
    if total > lim.unzipped_bytes:
        raise InputFileError(
            code="input-unzipped-too-big",
            file=file,
            size=mib(total),
            limit=f"{lim.max_unzipped_mb:g}",
        )
    return infos


def inflate(fp: BinaryIO, info: zipfile.ZipInfo, file: str, deadline: Deadline) -> Iterator[bytes]:
    """The entry's bytes in pieces, never more than its header declares, CRC checked."""
    fp.seek(info.header_offset)
    head = fp.read(_LOCAL.size)
    if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
        raise damaged(file, info.filename)
    fields_ = _LOCAL.unpack(head)
    fp.seek(info.header_offset + _LOCAL.size + fields_[10] + fields_[11])
    left, made, crc = info.compress_size, 0, 0
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type else None
    while left > 0:
        deadline.check(file)
        raw = fp.read(min(_CHUNK, left))
        if not raw:
            raise damaged(file, info.filename)
        left -= len(raw)
        while raw:
            if inflater is None:
                out, raw = raw, b""
            else:
                try:
                    out = inflater.decompress(raw, info.file_size - made + 1)
                except zlib.error:
                    raise damaged(file, info.filename) from None
                raw = inflater.unconsumed_tail
            made += len(out)
            if made > info.file_size:  # a lying header: more than it declares
                raise InputFileError(
                    code="input-zip-lying",
                    file=file,
                    entry=info.filename,
                    **counts(declared=info.file_size),
                )
            crc = zlib.crc32(out, crc)
            if out:
                yield out
    if made != info.file_size or crc != info.CRC or (inflater is not None and not inflater.eof):
        raise damaged(file, info.filename)
