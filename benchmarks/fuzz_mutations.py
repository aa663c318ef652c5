"""Bad documents for the fuzzer: valid generated PDFs and images, then broken on purpose.

Every mutation is a pure function of (seed file, random generator), so a case is named by
(seed, mutation, number) and can be made again; hypothesis draws those numbers in the test.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import struct
import zlib
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from app.db.demo.documents import coa_pdf, coa_rows, simple_pdf

MAX_CASE_BYTES = 4 * 1024 * 1024
Mutation = Callable[[bytes, random.Random], bytes]
_OBJECT = re.compile(rb"\d+ 0 obj.*?endobj\s*", re.S)


def _text_image(size: tuple[int, int] = (700, 260)) -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(22)
    for i, line in enumerate(("CERTIFICATE OF ANALYSIS", "Lot No.: AB123456",
                              "Expiry Date: 2027-05-17", "Assay 99.6 %")):
        draw.text((30, 20 + i * 50), line, fill=0, font=font)
    return image


def _image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    _text_image().save(out, fmt, **({"compression": "tiff_lzw"} if fmt == "TIFF" else {}))
    return out.getvalue()


def _scanned_pdf() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=True)
    c.drawImage(ImageReader(_text_image()), 40, 600, width=500, height=186)
    c.showPage()
    c.save()
    return out.getvalue()


def seed_files() -> dict[str, bytes]:
    """The valid files every case starts from, by file name."""
    made = dt.date(2026, 3, 1)
    coa = coa_pdf(supplier="Acme Ingredients GmbH", product="Citric Acid Monohydrate",
                  supplier_lot="AB123456", manufactured=made, expires=made + dt.timedelta(720),
                  rows=coa_rows(random.Random(1), "food_ingredient", out_of_spec=False))
    sds = simple_pdf("SAFETY DATA SHEET", "Acme Chemicals", [
        "SECTION 1: Identification", "Product identifier: Sodium Hydroxide 50%",
        "SECTION 2: Hazard(s) identification", "Signal word: Danger", "H314 H290",
        "SECTION 14: Transport information", "UN number: UN1824", "Revision date: 2025-01-10"])
    return {"coa.pdf": coa, "sds.pdf": sds, "scan.pdf": _scanned_pdf(),
            "label.png": _image_bytes("PNG"), "scan.tiff": _image_bytes("TIFF"),
            "photo.jpg": _image_bytes("JPEG")}


# ---------------------------------------------------------------- byte-level
def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 24)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 64)):
        if out:
            i = rng.randrange(len(out))
            out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randint(0, max(0, len(data) - 1))]


def zero_region(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(max(1, len(data)))
    n = rng.randint(1, 2048)
    return data[:i] + b"\x00" * n + data[i + n:]


def splice(data: bytes, rng: random.Random) -> bytes:
    i, j = sorted(rng.randrange(max(1, len(data))) for _ in range(2))
    k = rng.randrange(max(1, len(data)))
    return data[:k] + data[i:j] + data[k:]


def repeat_chunk(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(max(1, len(data)))
    chunk = data[i:i + rng.randint(1, 512)]
    times = min(rng.randint(2, 2000), MAX_CASE_BYTES // max(1, len(chunk)))
    return data[:i] + chunk * times + data[i:]


def random_bytes(data: bytes, rng: random.Random) -> bytes:
    magic = rng.choice((b"", data[:8], b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"II*\x00",
                        b"MM\x00*", b"\xff\xd8\xff\xe0"))
    body = rng.randbytes(rng.randint(0, 8192))
    tail = rng.choice((b"", b"\n%%EOF\n"))
    return magic + body + tail


# ---------------------------------------------------------------- PDF objects
def _objects(data: bytes) -> list[re.Match[bytes]]:
    return list(_OBJECT.finditer(data))


def pdf_drop_object(data: bytes, rng: random.Random) -> bytes:
    objs = _objects(data)
    if not objs:
        return flip_bytes(data, rng)
    m = rng.choice(objs)
    return data[:m.start()] + data[m.end():]


def pdf_duplicate_object(data: bytes, rng: random.Random) -> bytes:
    objs = _objects(data)
    if not objs:
        return splice(data, rng)
    m = rng.choice(objs)
    return data[:m.end()] + m.group(0) * rng.randint(1, 50) + data[m.end():]


def pdf_bad_numbers(data: bytes, rng: random.Random) -> bytes:
    """/Length, /Count, /Width, /Height, /MediaBox, /Size and xref offsets set to nonsense."""
    key = rng.choice((rb"/Length", rb"/Count", rb"/Width", rb"/Height", rb"/Size",
                      rb"/BitsPerComponent", rb"startxref"))
    value = rng.choice((b"0", b"-1", b"2147483647", b"99999999999999999999", b"1e308", b"NaN",
                        b"4 0 R", b"3.5", str(rng.randint(0, 10**6)).encode()))
    pattern = re.compile(re.escape(key) + rb"\s+-?[\d.]+(\s+\d+\s+R)?")
    out, n = pattern.subn(key + b" " + value, data, count=rng.randint(1, 3))
    if n == 0:
        return flip_bytes(data, rng)
    return out


def pdf_bad_mediabox(data: bytes, rng: random.Random) -> bytes:
    box = rng.choice((b"[0 0 0 0]", b"[0 0 1e9 1e9]", b"[0 0 -612 -792]", b"[0 0 14400 14400]",
                      b"[]", b"[0 0 612]", b"[0 0 NaN 792]", b"[1 2 3 4 5 6]"))
    out, n = re.subn(rb"/MediaBox\s*\[[^\]]*\]", b"/MediaBox " + box, data)
    return out if n else flip_bytes(data, rng)


def pdf_bad_filter(data: bytes, rng: random.Random) -> bytes:
    new = rng.choice((b"/LZWDecode", b"/DCTDecode", b"/Nonsense", b"[/FlateDecode /FlateDecode]",
                      b"/ASCIIHexDecode", b"/JBIG2Decode", b"/JPXDecode", b"/RunLengthDecode",
                      b"/CCITTFaxDecode"))
    out, n = re.subn(rb"/FlateDecode", new, data, count=rng.randint(1, 3))
    return out if n else flip_bytes(data, rng)


def pdf_garbage_stream(data: bytes, rng: random.Random) -> bytes:
    streams = list(re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S))
    if not streams:
        return flip_bytes(data, rng)
    m = rng.choice(streams)
    body = m.group(1)
    new = rng.choice((rng.randbytes(len(body)), zlib.compress(rng.randbytes(len(body))),
                      zlib.compress(b"BT /F1 12 Tf " * 2000 + b"(x) Tj ET"),
                      zlib.compress(b"q " * 50000 + b"Q " * 50000), body[: len(body) // 2]))
    return data[:m.start(1)] + new + data[m.end(1):]


def pdf_page_tree_loop(data: bytes, rng: random.Random) -> bytes:
    """Kids pointing back at the page tree (or the catalog): a cycle for a naive walker."""
    target = rng.choice((b"1 0 R", b"2 0 R", b"3 0 R", b"4 0 R"))
    out, n = re.subn(rb"/Kids\s*\[[^\]]*\]", b"/Kids [" + target + b" " + target + b"]", data)
    out, m = re.subn(rb"/Parent\s+\d+\s+0\s+R", b"/Parent " + target, out)
    return out if n + m else flip_bytes(data, rng)


def pdf_deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice((100, 1000, 20000, 200000))
    nest = rng.choice((b"[" * depth + b"]" * depth, b"<<" * depth + b">>" * depth))
    objs = _objects(data)
    if not objs:
        return data + nest
    m = rng.choice(objs)
    at = data.find(b"<<", m.start(), m.end())
    at = at + 2 if at >= 0 else m.start()
    return data[:at] + b"/Deep " + nest + b" " + data[at:]


def pdf_no_xref(data: bytes, rng: random.Random) -> bytes:
    cut = data.rfind(b"xref")
    if cut < 0:
        return truncate(data, rng)
    tail = rng.choice((b"", b"trailer\n<< /Root 99 0 R >>\n", b"startxref\n0\n"))
    return data[:cut] + tail + b"%%EOF\n"


def pdf_encrypt(data: bytes, rng: random.Random) -> bytes:
    enc = rng.choice((b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>",
                      b"/Encrypt 99 0 R", b"/Encrypt << /Filter /Nonsense >>"))
    out, n = re.subn(rb"trailer\s*<<", b"trailer\n<< " + enc + b" ", data)
    return out if n else flip_bytes(data, rng)


def pdf_indirect_image_size(data: bytes, rng: random.Random) -> bytes:
    """An image's /Width and /Height moved to objects of their own, as huge numbers: a size
    check that reads only direct numbers does not see them."""
    if b"/Subtype /Image" not in data:
        return pdf_bad_numbers(data, rng)
    big = rng.choice((b"60000", b"100000", b"30000"))
    out = re.sub(rb"/Width\s+\d+", b"/Width 901 0 R", data, count=1)
    out = re.sub(rb"/Height\s+\d+", b"/Height 902 0 R", out, count=1)
    extra = b"901 0 obj " + big + b" endobj\n902 0 obj " + big + b" endobj\n"
    cut = out.rfind(b"xref")
    return out[:cut] + extra + out[cut:] if cut >= 0 else out + extra


# ---------------------------------------------------------------- image headers
def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(data: bytes, rng: random.Random) -> bytes:
    """A PNG whose IHDR (with a correct checksum) claims other sizes, depths or colour types."""
    if not data.startswith(b"\x89PNG") or len(data) < 33:
        return flip_bytes(data, rng)
    width, height, depth, colour, comp, filt, inter = struct.unpack(">IIBBBBB", data[16:29])
    choice = rng.randrange(4)
    if choice == 0:
        width, height = rng.choice(((0, 0), (1, 10**6), (65535, 65535), (2**31 - 1, 1),
                                    (width * 3, height * 3)))
    elif choice == 1:
        depth = rng.choice((0, 3, 7, 16, 255))
    elif choice == 2:
        colour = rng.choice((1, 5, 7, 255))
    else:
        inter = rng.choice((1, 2, 255))
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, comp, filt, inter)
    return data[:8] + _png_chunk(b"IHDR", ihdr) + data[33:]


def tiff_tags(data: bytes, rng: random.Random) -> bytes:
    """Change numbers in a TIFF's first directory: sizes, offsets, counts."""
    if data[:4] not in (b"II*\x00", b"MM\x00*") or len(data) < 16:
        return flip_bytes(data, rng)
    order = "<" if data[:2] == b"II" else ">"
    out = bytearray(data)
    (ifd,) = struct.unpack(order + "I", data[4:8])
    if ifd + 2 > len(data):
        return flip_bytes(data, rng)
    (count,) = struct.unpack(order + "H", data[ifd:ifd + 2])
    for _ in range(rng.randint(1, 4)):
        entry = ifd + 2 + 12 * rng.randrange(max(1, min(count, 40)))
        if entry + 12 <= len(out):
            value = rng.choice((0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, rng.randrange(2**32)))
            struct.pack_into(order + "I", out, entry + 8, value)
    return bytes(out)


BYTE_MUTATIONS: dict[str, Mutation] = {
    "flip_bytes": flip_bytes, "flip_bits": flip_bits, "truncate": truncate,
    "zero_region": zero_region, "splice": splice, "repeat_chunk": repeat_chunk,
    "random_bytes": random_bytes,
}
PDF_MUTATIONS: dict[str, Mutation] = {
    "pdf_drop_object": pdf_drop_object, "pdf_duplicate_object": pdf_duplicate_object,
    "pdf_bad_numbers": pdf_bad_numbers, "pdf_bad_mediabox": pdf_bad_mediabox,
    "pdf_bad_filter": pdf_bad_filter, "pdf_garbage_stream": pdf_garbage_stream,
    "pdf_page_tree_loop": pdf_page_tree_loop, "pdf_deep_nesting": pdf_deep_nesting,
    "pdf_no_xref": pdf_no_xref, "pdf_encrypt": pdf_encrypt,
    "pdf_indirect_image_size": pdf_indirect_image_size,
}
IMAGE_MUTATIONS: dict[str, Mutation] = {"png_header": png_header, "tiff_tags": tiff_tags}


def mutations_for(name: str) -> list[str]:
    extra = PDF_MUTATIONS if name.endswith(".pdf") else IMAGE_MUTATIONS
    return [*BYTE_MUTATIONS, *extra]


def make_case(seeds: dict[str, bytes], seed_name: str, mutation: str, number: int,
              rounds: int = 1) -> bytes:
    """Case `number` of `mutation` on `seed_name` (`rounds` mutations stacked)."""
    rng = random.Random(f"{seed_name}/{mutation}/{number}")
    table = {**BYTE_MUTATIONS, **PDF_MUTATIONS, **IMAGE_MUTATIONS}
    data = seeds[seed_name]
    for r in range(rounds):
        step = table[mutation] if r == 0 else table[rng.choice(mutations_for(seed_name))]
        data = step(data, rng)[:MAX_CASE_BYTES]
    return data
