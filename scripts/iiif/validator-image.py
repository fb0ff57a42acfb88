"""Writes the IIIF Image API validator's test image (its 10 x 10 grid of
coloured 100-pixel squares, the colours the validator checks) as a PNG.

    python3 scripts/iiif/validator-image.py OUT.png
"""
import sys

from iiif_validator.validator import ValidationInfo
from PIL import Image, ImageDraw

colours = ValidationInfo().colorInfo
image = Image.new("RGB", (1000, 1000))
draw = ImageDraw.Draw(image)
for x in range(10):
    for y in range(10):
        draw.rectangle([x * 100, y * 100, x * 100 + 99, y * 100 + 99], fill=colours[x][y])
image.save(sys.argv[1])
