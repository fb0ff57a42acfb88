"""Writes a photo-like 4000 x 3000 JPEG (gradients, texture, noise; about
3 MB at quality 90) for the image benchmarks; `--rotated` adds EXIF
orientation 6, as a camera held upright writes it.

    python3 scripts/bench-photo.py OUT.jpg [--rotated]
"""
import sys

from PIL import Image, ImageFilter

w, h = 4000, 3000
noise = Image.effect_noise((w, h), 40).convert("RGB")
grad = Image.linear_gradient("L").resize((w, h))
base = Image.merge("RGB", [grad, noise.getchannel(0), Image.radial_gradient("L").resize((w, h))])
photo = Image.blend(base, noise, 0.3).filter(ImageFilter.GaussianBlur(1))
exif = Image.Exif()
if "--rotated" in sys.argv:
    exif[0x0112] = 6
photo.save(sys.argv[1], quality=90, exif=exif.tobytes())
