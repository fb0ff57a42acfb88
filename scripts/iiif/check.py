"""Checks a running medexchange's IIIF output with the IIIF community's own
tools: attaches the Image API validator's test image to a photo (a real
multipart upload), runs the validator (iiif-validator, level 2) on it, and
parses the exchange's manifest and the fiscal year's collection with the
iiif-prezi3 models. Prints the manifest's URL last, for the viewer test.

    python3 scripts/iiif/check.py http://127.0.0.1:8000 TOKEN
"""
import json
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path

from iiif_prezi3 import Collection, Manifest

server, token = sys.argv[1].rstrip("/"), sys.argv[2]
here = Path(__file__).resolve().parent


def graphql(query):
    request = urllib.request.Request(
        f"{server}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"content-type": "application/json"},
    )
    return json.load(urllib.request.urlopen(request))["data"]


def upload(photo_id, version, image):
    boundary = uuid.uuid4().hex
    query = (
        "mutation($file: Upload!) { setPhotoImage(id: \"%s\", expectedVersion: %d, file: $file)"
        " { photo { image { iiif } iiifManifest } errors { code message } } }" % (photo_id, version)
    )
    parts = [
        ("operations", json.dumps({"query": query, "variables": {"file": None}}).encode(), None),
        ("map", json.dumps({"0": ["variables.file"]}).encode(), None),
        ("0", image, "squares.png"),
    ]
    body = b""
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{server}/graphql",
        data=body,
        headers={
            "content-type": f"multipart/form-data; boundary={boundary}",
            "authorization": f"Bearer {token}",
        },
    )
    answer = json.load(urllib.request.urlopen(request))
    payload = answer["data"]["setPhotoImage"]
    assert payload["errors"] == [], payload
    return payload["photo"]


exchange = graphql("{ exchanges(first: 1) { nodes { slug photos { id version } } } }")
photo = exchange["exchanges"]["nodes"][0]["photos"][0]
with tempfile.TemporaryDirectory() as folder:
    squares = Path(folder) / "squares.png"
    subprocess.run([sys.executable, here / "validator-image.py", squares], check=True)
    attached = upload(photo["id"], photo["version"], squares.read_bytes())
image_hash = attached["image"]["iiif"].rsplit("/", 1)[1]
host = server.split("://", 1)[1]

print(f"== IIIF Image API validator, level 2, on {image_hash}", flush=True)
validator = subprocess.run(
    ["iiif-validate.py", "-s", host, "-p", "iiif/3", "-i", image_hash, "--version=3.0", "--level", "2"],
    capture_output=True,
    text=True,
)
# The validator reports on stderr.
report = validator.stdout + validator.stderr
print(report[-1500:])
if validator.returncode != 0 or " 0 failures)" not in report:
    sys.exit(f"the IIIF Image API validator failed (exit {validator.returncode})")
# The validator's own WebP test is broken (it calls urllib.urlopen); the
# WebP answer is checked by its magic bytes instead.
webp = urllib.request.urlopen(f"{server}/iiif/3/{image_hash}/full/max/0/default.webp").read()
assert webp[:4] == b"RIFF" and webp[8:12] == b"WEBP", webp[:12]
print("format_webp (by its bytes): PASS")
for extra in ["rot_mirror"]:
    run = subprocess.run(
        ["iiif-validate.py", "-s", host, "-p", "iiif/3", "-i", image_hash, "--version=3.0", "--test", extra],
        capture_output=True,
        text=True,
    )
    if " 0 failures)" not in run.stdout + run.stderr:
        sys.exit(f"the validator's {extra} test failed: {(run.stdout + run.stderr)[-500:]}")
    print(f"{extra}: PASS")

manifest_path = attached["iiifManifest"]
manifest_url = manifest_path if manifest_path.startswith("http") else server + manifest_path
manifest = Manifest(**json.load(urllib.request.urlopen(manifest_url)))
languages = set(manifest.label.keys()) if isinstance(manifest.label, dict) else set(manifest.label.root.keys())
print(f"== manifest parses with iiif-prezi3: {len(manifest.items)} canvas(es), label in {sorted(languages)}")
assert len(manifest.items) >= 1
assert {"zh", "ja"} <= languages, languages
collection = Collection(**json.load(urllib.request.urlopen(f"{server}/iiif/collection/fy2020")))
print(f"== collection parses with iiif-prezi3: {len(collection.items)} manifest(s)")
assert any(item.id == manifest_url for item in collection.items)
print(manifest_url)
