"""Writes the small image files the tests upload (tests/fixtures/images),
each made to show one thing a real file does:

- exif-rotated.jpg: 120 x 80 stored, EXIF orientation 6 (shown 80 x 120),
  Artist, Copyright and a GPS position; a red block in the stored top-left
  corner (the shown top-right once turned upright);
- alpha.png: 60 x 40, half transparent;
- plain.webp: 50 x 40, lossy;
- tiny.gif: a GIF (refused: not an accepted type);
- bomb.png: a whole, tiny PNG whose header says 100000 x 100000 pixels;
- huge-exif.png: 20 x 20 with a 100 KB eXIf chunk.

    python3 scripts/make-test-images.py
"""
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

out = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "images"
out.mkdir(parents=True, exist_ok=True)

image = Image.new("RGB", (120, 80), (40, 90, 160))
ImageDraw.Draw(image).rectangle([0, 0, 29, 19], fill=(255, 0, 0))
exif = Image.Exif()
exif[0x0112] = 6
exif[0x013B] = "Tokyo Centre Photographer"
exif[0x8298] = "2020 Japan-China Medical Exchange Centre"
exif[0x8825] = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
image.save(out / "exif-rotated.jpg", quality=90, exif=exif.tobytes())

Image.new("RGBA", (60, 40), (0, 128, 255, 128)).save(out / "alpha.png")
Image.new("RGB", (50, 40), (10, 200, 30)).save(out / "plain.webp", quality=80)
Image.new("RGB", (10, 10)).save(out / "tiny.gif")


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


signature = b"\x89PNG\r\n\x1a\n"
header = chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
rows = zlib.compress(b"\x00" + b"\x00" * 300 * 3)
(out / "bomb.png").write_bytes(signature + header + chunk(b"IDAT", rows) + chunk(b"IEND", b""))

small = Image.new("RGB", (20, 20), (200, 200, 0))
small.save(out / "huge-exif-base.png")
base = (out / "huge-exif-base.png").read_bytes()
(out / "huge-exif-base.png").unlink()
ihdr_end = 8 + 25
tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x00" + b"\x00" * 100_000
(out / "huge-exif.png").write_bytes(base[:ihdr_end] + chunk(b"eXIf", tiff) + base[ihdr_end:])
