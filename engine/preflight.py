"""What a source will cost to decode, and whether its data can hold what its header declares.

Pillow trusts a header: a PNG declaring 1 × 150,000,000 pixels passes a width × height limit and
then costs 150 million rows, each with its own pointer and per-row work; a progressive JPEG may
hold thousands of scans, each a pass over every block; a 633-byte JPEG may claim 12000 × 12000
pixels and be "decoded" by filling in rows. These checks read the header and the file's
structure (never the pixels) so such sources are refused before decoding, and tell whether a
PNG's data covered every row:

* :func:`decode_cost` — bytes the decode takes as Pillow stores it: per row a pointer and
  per-row work (:data:`ROW_BYTES`), per pixel the decoded mode's storage, plus the working
  image a conversion makes (the source module's 8-bit L/LA/RGB/RGBA).
* :func:`jpeg_structure` — the number of scans and of entropy-coded bytes, walking the markers.
  A Huffman-coded JPEG spends at least one bit on every 8 × 8 block of every component (each
  block starts with a DC code of 1 to 16 bits), so fewer bytes than blocks / 8 cannot be a
  complete image. A JPEG of several scans (progressive ones) makes libjpeg hold every block's
  coefficients, 128 bytes a block, whatever the scale it decodes at.
* :func:`png_rows_complete` — inflates the ``IDAT`` stream (counting, not keeping, the bytes)
  and compares it with what the header's rows need; Pillow fills rows a short stream lacks.
  (``engine.source`` calls it only when the row Pillow writes last was left unwritten.)
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import NamedTuple

import numpy as np

#: Bytes charged per row on top of its pixels: Pillow's 8-byte row pointer, plus the per-row
#: work of the decoder and of every operation after it, counted as ten 4-byte pixels.
#: Measured: decoding a 1-pixel-wide row takes as long as 3 RGB or 13 gray pixels of a square
#: image (1 × 10,000,000 in 0.34 s; 3163 × 3163 in 0.10 s RGB, 0.03 s gray), and filters
#: such as op_blur spend more per row than that.
ROW_BYTES = 48
#: How Pillow stores a pixel of each mode (bytes); other modes take 4.
_STORAGE = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
#: Modes whose working image is gray (1 byte); the others become RGB or RGBA (4 bytes).
_GRAY = frozenset({"1", "L", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"})
_WORKING = frozenset({"L", "LA", "RGB", "RGBA"})
#: More than 8 bits per sample go through numpy: a copy of the samples and a shifted one.
_NUMPY_BYTES = {"I;16": 4, "I;16L": 4, "I;16B": 4, "I;16N": 4, "I": 8, "F": 8}


def decode_cost(size: tuple[int, int], mode: str) -> int:
    """Estimated peak bytes of decoding a ``size`` image of ``mode`` to its working image."""
    width, height = size
    per_pixel = _STORAGE.get(mode, 4) + _NUMPY_BYTES.get(mode, 0)
    images = 1
    if mode not in _WORKING:  # the conversion to the working image holds both at once
        images = 2
        per_pixel += 1 if mode in _GRAY else 4
    return height * (images * ROW_BYTES + width * per_pixel)


class JpegStructure(NamedTuple):
    scans: int
    entropy_bytes: int  # entropy-coded bytes of all scans walked
    blocks: int  # 8 × 8 blocks of all components (0 when the frame was not found)
    huffman: bool  # Huffman-coded (not arithmetic-coded or lossless)

    @property
    def min_entropy_bytes(self) -> int:
        """The least scan data a complete image needs: a bit per block (0: no bound known)."""
        return self.blocks // 8 if self.huffman else 0

    @property
    def coefficient_bytes(self) -> int:
        """What libjpeg holds for a file of several scans: every block's 64 2-byte
        coefficients (whatever the scale it decodes at); nothing for a single scan."""
        return self.blocks * 128 if self.scans > 1 else 0


#: Start-of-frame markers: all of them, and those of Huffman-coded DCT JPEGs.
_SOF = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)})
_HUFFMAN_SOF = frozenset({0xC0, 0xC1, 0xC2})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
#: Bytes of a JPEG searched for markers at a time, at first and at most (:func:`_next_marker`).
_FIRST_SLICE, _MARKER_SLICE = 4 * 1024, 128 * 1024
#: Fill bytes and stand-alone markers in a row that end the walk (real files have a few).
_MAX_SKIPPED = 4096


def jpeg_structure(data: bytes | memoryview, *, max_scans: int) -> JpegStructure:
    """Walk a JPEG's markers; stop early once more than ``max_scans`` scans were seen.

    Malformed structure ends the walk quietly (Pillow reports it when decoding).
    """
    pos, end = 2, len(data)
    scans = entropy = blocks = skipped = 0
    huffman = False
    raw = None
    while pos + 4 <= end and scans <= max_scans and skipped <= _MAX_SKIPPED:
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:
            pos, skipped = pos + 1, skipped + 1
            continue
        if marker == 0xD9:
            break
        if marker in _STANDALONE:
            pos, skipped = pos + 2, skipped + 1
            continue
        skipped = 0
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if marker in _SOF:
            blocks, huffman = _blocks(data, pos + 4), marker in _HUFFMAN_SOF
        pos += 2 + length
        if marker == 0xDA:
            scans += 1
            raw = np.frombuffer(data, np.uint8) if raw is None else raw
            stop = _next_marker(raw, pos)
            entropy += max(0, stop - pos)
            pos = stop
    return JpegStructure(scans, entropy, blocks, huffman)


def _next_marker(raw: np.ndarray, pos: int) -> int:
    """The offset of the first 0xFF at or after ``pos`` followed by a marker code: not a
    stuffed zero, a restart marker or another 0xFF (a fill byte); the data's length when
    there is none. Vectorised: a Python loop over megabytes of scan data would cost a good
    part of the decode it guards. Searched in slices that stay in the CPU cache (small ones
    first: most scans end soon), so temporary memory is bounded whatever the file holds."""
    last = len(raw) - 1  # the final byte has no code after it
    start = max(pos, 0)
    step = _FIRST_SLICE
    ff = np.empty(min(_MARKER_SLICE, max(last - start, 0)), bool)  # reused by every slice
    after = np.empty_like(ff)
    while start < last:
        stop = min(start + step, last)
        found, code = ff[: stop - start], after[: stop - start]
        np.equal(raw[start:stop], 0xFF, out=found)
        np.not_equal(raw[start + 1 : stop + 1], 0, out=code)
        np.logical_and(found, code, out=found)
        offsets = np.flatnonzero(found) + start  # rare: a marker, RST or fill byte
        if offsets.size:
            codes = raw[offsets + 1]
            marker = (codes != 0xFF) & ((codes < 0xD0) | (codes > 0xD7))
            first = int(np.argmax(marker))
            if marker[first]:
                return int(offsets[first])
        start, step = stop, min(step * 2, _MARKER_SLICE)
    return len(raw)


def _blocks(data: bytes | memoryview, at: int) -> int:
    """8 × 8 blocks of every component, from the start-of-frame segment at ``at``."""
    try:
        _precision, height, width, count = struct.unpack_from(">BHHB", data, at)
        factors = [data[at + 6 + 3 * i + 1] for i in range(count)]
    except (struct.error, IndexError):
        return 0
    if not factors:
        return 0
    h_max = max(f >> 4 for f in factors) or 1
    v_max = max(f & 15 for f in factors) or 1
    return sum(
        math.ceil(math.ceil(width * (f >> 4) / h_max) / 8)
        * math.ceil(math.ceil(height * (f & 15) / v_max) / 8)
        for f in factors
    )


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: Adam7 passes: (x start, y start, x step, y step).
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2))
_ADAM7 += ((0, 1, 1, 2),)


def png_rows_complete(data: bytes | memoryview) -> bool:
    """Whether the ``IDAT`` stream inflates to every row the header declares.

    Unreadable structure counts as complete here: Pillow's decoder judges it.
    """
    pos, needed, produced, in_data = 8, None, 0, False
    inflater = zlib.decompressobj()
    try:
        while pos + 8 <= len(data):
            length, kind = struct.unpack_from(">I4s", data, pos)
            body = data[pos + 8 : pos + 8 + length]
            if kind == b"IHDR":
                needed = _png_raw_bytes(*struct.unpack_from(">IIBB", body), body[12])
            elif kind == b"IDAT" and needed is not None:
                in_data = True
                produced += _inflated(inflater, body, needed - produced)
                if produced >= needed:
                    return True
            elif in_data or kind == b"IEND":
                break  # the image data is consecutive IDAT chunks
            pos += 12 + length
    except (struct.error, zlib.error, IndexError):
        return True
    return needed is None or produced >= needed


#: Compressed bytes fed to zlib at a time, and the most it may inflate them to per call: the
#: tail zlib leaves unconsumed is copied on every call, so the input goes in small slices.
_SLICE = 64 * 1024
_OUTPUT = 4 * 1024 * 1024


def _inflated(inflater: zlib._Decompress, data: bytes | memoryview, wanted: int) -> int:
    """Bytes ``data`` inflates to (counted, not kept), stopping once ``wanted`` are seen."""
    count = 0
    view = memoryview(data)
    for start in range(0, len(view), _SLICE):
        pending: bytes | memoryview = view[start : start + _SLICE]
        while pending and count < wanted:
            count += len(inflater.decompress(pending, _OUTPUT))
            pending = inflater.unconsumed_tail
        if count >= wanted:
            break
    while count < wanted and (out := inflater.decompress(b"", _OUTPUT)):
        count += len(out)  # output zlib still held back
    return count


def _png_raw_bytes(width: int, height: int, depth: int, color: int, interlace: int) -> int:
    """Filtered bytes of a PNG image: per row (or pass row) a filter byte and the samples."""
    bits = depth * _CHANNELS.get(color, 1)
    if interlace != 1:
        return height * (1 + math.ceil(width * bits / 8))
    total = 0
    for x0, y0, dx, dy in _ADAM7:
        pass_width = max(0, math.ceil((width - x0) / dx))
        pass_height = max(0, math.ceil((height - y0) / dy))
        if pass_width and pass_height:
            total += pass_height * (1 + math.ceil(pass_width * bits / 8))
    return total
