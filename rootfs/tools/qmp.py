#!/usr/bin/env python3
"""Tiny QMP client for trying QEMU by hand.

usage: qmp.py SOCKET [COMMAND_JSON ...] [--events SECONDS]
Each COMMAND_JSON is sent after the capabilities handshake, e.g.
  qmp.py /tmp/x/qmp.sock '{"execute":"query-hotpluggable-cpus"}'
Replies and asynchronous events are printed one JSON per line, prefixed with the time in
seconds since connecting; with --events N it keeps printing events for N more seconds.
"""
import json
import socket
import sys
import time


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, rest = argv[1], argv[2:]
    linger = 0.0
    if "--events" in rest:
        i = rest.index("--events")
        linger = float(rest[i + 1])
        rest = rest[:i] + rest[i + 2:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    reader = sock.makefile("r", encoding="utf-8")
    start = time.monotonic()

    def show(msg):
        print(f"{time.monotonic() - start:8.3f} {json.dumps(msg)}", flush=True)

    def send(cmd):
        sock.sendall((json.dumps(cmd) + "\n").encode())
        while True:
            msg = json.loads(reader.readline())
            show(msg)
            if "return" in msg or "error" in msg:
                return msg

    show(json.loads(reader.readline()))  # greeting
    send({"execute": "qmp_capabilities"})
    status = 0
    for text in rest:
        if "error" in send(json.loads(text)):
            status = 1
    deadline = time.monotonic() + linger
    while linger > 0 and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            line = reader.readline()
        except (socket.timeout, TimeoutError):
            break
        if not line:
            break
        show(json.loads(line))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
