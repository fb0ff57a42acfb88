#!/usr/bin/env python3
# Usage: scripts/bench-websocket-idle.py PORT SERVER_PID [N]  (N defaults to 2000)
# 2,000 idle graphql-transport-ws subscribers: the server's RSS before,
# with them connected and subscribed, and after they close.
import asyncio, base64, json, os, struct, sys, time

PORT = int(sys.argv[1]); PID = int(sys.argv[2]); N = int(sys.argv[3]) if len(sys.argv) > 3 else 2000

def rss():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])

def frame(text):
    data = text.encode(); mask = os.urandom(4)
    head = bytes([0x81])
    n = len(data)
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))

async def read_frame(reader):
    b1, b2 = await reader.readexactly(2)
    n = b2 & 0x7F
    if n == 126: n = struct.unpack(">H", await reader.readexactly(2))[0]
    elif n == 127: n = struct.unpack(">Q", await reader.readexactly(8))[0]
    return await reader.readexactly(n)

async def subscriber():
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /graphql HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n").encode())
    await reader.readuntil(b"\r\n\r\n")
    writer.write(frame(json.dumps({"type": "connection_init"})))
    assert json.loads(await read_frame(reader))["type"] == "connection_ack"
    writer.write(frame(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "subscription { archiveChanged { action actor record { id } } }"}})))
    await writer.drain()
    return reader, writer

async def main():
    await asyncio.sleep(1)
    base = rss()
    conns = []
    for i in range(0, N, 100):
        conns += await asyncio.gather(*[subscriber() for _ in range(100)])
    await asyncio.sleep(3)
    full = rss()
    for _, w in conns: w.close()
    await asyncio.sleep(5)
    after = rss()
    print(f"connections {N}: RSS before {base} KiB, subscribed {full} KiB, after close {after} KiB; "
          f"per idle subscribed connection {(full - base) / N:.1f} KiB")

asyncio.run(main())
