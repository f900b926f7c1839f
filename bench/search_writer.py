#!/usr/bin/env python3
"""The "changing" mode of bench/search.sh: while wrk reads, change a listed video's title
once every INTERVAL seconds through the API (PATCH /api/videos/{id}), the way an owner
does, so that every change drops every kept search page on the instance.

usage: search_writer.py BASE VIDEO_ID INTERVAL TOKEN_FILE
Runs until killed; prints how many changes it made when it gets SIGTERM.
"""
import json
import signal
import sys
import time
import urllib.request

base, video_id, interval, token_file = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
token = open(token_file).read().strip()
changes = 0


def stop(*_):
    print(changes, flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
while True:
    body = json.dumps({"title": f"Changing while you search, edit {changes}"}).encode()
    req = urllib.request.Request(
        f"{base}/api/videos/{video_id}",
        data=body,
        method="PATCH",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        if resp.status != 200:
            sys.exit(f"PATCH answered {resp.status}")
    changes += 1
    time.sleep(interval)
