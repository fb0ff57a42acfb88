#!/usr/bin/env python3
"""Writes src/i18n/simplified_slips.txt: Simplified Chinese characters that do
not belong in Japanese text, each followed by its Japanese form.

A character is listed when OpenCC's tables (as shipped by the `hanconv`
crate) give it a Traditional form whose Japanese form is another character
(广 -> 廣 -> 広), and it is not in JIS X 0208 (the characters Japanese text
uses), or it is one of the few that are in JIS X 0208 only as rare
characters or radicals (EXTRA). Run from the project root:

    python3 scripts/simplified-slips.py > src/i18n/simplified_slips.txt
"""
import glob
import sys

data = glob.glob(
    f"{glob.os.path.expanduser('~')}/.cargo/registry/src/*/hanconv-0.5.*/data"
)[0]

# In JIS X 0208 but nearly always a slip in Japanese text.
EXTRA = "广个从价儿决况厂听坏弃气无网梦搜卷册耻"


def table(name):
    rows = {}
    for line in open(f"{data}/{name}.txt", encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        key, *values = line.split()
        rows[key] = values
    return rows


def in_jis_x_0208(c):
    try:
        c.encode("shift_jis")
        return True
    except UnicodeEncodeError:
        return False


to_traditional = table("STCharacters")
to_japanese = table("JPVariants")
pairs = []
for simplified, traditional in sorted(to_traditional.items()):
    if len(simplified) != 1:
        continue
    japanese = to_japanese.get(traditional[0], [traditional[0]])[0]
    if japanese == simplified or len(japanese) != 1:
        continue
    if in_jis_x_0208(simplified) and simplified not in EXTRA:
        continue
    pairs.append(simplified + japanese)
sys.stdout.write("".join(pairs) + "\n")
