#!/usr/bin/env python3
"""Seed a bench server with what the watch page and catalogue rows read, and sign in a browser.

    seed.py BASE TOKEN CLIP WORKDIR  ->  prints "VIDEO_ID SESSION_COOKIE_HEADER"

Uploads the clip twice through the API (a BSL video and its ISL edition), waits until both are
ready, adds English captions (60 cues) to the first, links the two as editions, rates the first,
publishes 30 more videos' worth of catalogue cards by uploading small copies, then signs in a
viewer's browser (a second account) through the real sign-in form (CSRF token and cookies as a browser gets them) and prints
the Cookie header that browser sends. Standard library only.
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.error
import urllib.request
import uuid

BASE, TOKEN, CLIP, WORK = sys.argv[1:5]
PASSWORD = "benchpassword"
VIEWER = "viewer@example.com"


def api(method, path, body=None, content_type=None):
    req = urllib.request.Request(BASE + path, data=body, method=method)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    if content_type:
        req.add_header("Content-Type", content_type)
    with urllib.request.urlopen(req, timeout=60) as res:
        text = res.read()
        return json.loads(text) if text else None


def multipart(fields, file_field, filename, data, mime):
    boundary = uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    out.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {mime}\r\n\r\n".encode()
    )
    out.append(data)
    out.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def upload(title, language):
    body, ctype = multipart(
        {"title": title, "description": f"{title}: a bench clip", "sign_language": language,
         "visibility": "public"},
        "file", "bench.mp4", open(CLIP, "rb").read(), "video/mp4",
    )
    return api("POST", "/api/videos", body, ctype)["id"]


def wait_ready(ids):
    deadline = time.time() + 120
    pending = set(ids)
    while pending:
        for vid in list(pending):
            status = api("GET", f"/api/videos/{vid}")["status"]
            if status == "ready":
                pending.discard(vid)
            elif status == "failed":
                sys.exit(f"seed: video {vid} failed to process")
        if time.time() > deadline:
            sys.exit(f"seed: videos {sorted(pending)} not ready after 120 s")
        time.sleep(0.2)


def captions():
    lines = ["WEBVTT", ""]
    for i in range(60):
        a, b = i * 2, i * 2 + 2
        lines += [f"{i + 1}", f"00:{a // 60:02}:{a % 60:02}.000 --> 00:{b // 60:02}:{b % 60:02}.000",
                  f"<v Narrator>Line {i + 1} of the bench captions, with a little more text.", ""]
    return "\n".join(lines).encode()


main_id = upload("Bench video", "BSL")
edition_id = upload("Bench video in ISL", "ISL")
extra = [upload(f"Catalogue card {n}", "BSL" if n % 2 else "ASL") for n in range(20)]
wait_ready([main_id, edition_id, *extra])
body, ctype = multipart({"language": "en", "label": "English", "kind": "captions"},
                        "file", "bench.vtt", captions(), "text/vtt")
api("POST", f"/api/videos/{main_id}/captions", body, ctype)
api("POST", f"/api/videos/{main_id}/editions", json.dumps({"video_id": edition_id}).encode(),
    "application/json")
api("PUT", f"/api/videos/{main_id}/feedback", json.dumps({"rating": "accurate"}).encode(),
    "application/json")

# A browser signs in through the form, as a person does. Cookies are kept by hand: the
# server runs with APP_ENV=production, so they are Secure, and this is plain http on loopback.
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


browser = urllib.request.build_opener(NoRedirect)
jar = {}


def visit(path, data=None):
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = BASE
    req = urllib.request.Request(BASE + path, data=data, headers=headers)
    try:
        res = browser.open(req, timeout=60)
    except urllib.error.HTTPError as e:  # 3xx (not followed) and errors
        res = e
    for header in res.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        if value and "max-age=0" not in header.lower():
            jar[name.strip()] = value
        else:
            jar.pop(name.strip(), None)
    return res.status, res.read().decode(errors="replace")


# The browser is a viewer, not the videos' owner (the common case: what the shared read
# model serves).
req = urllib.request.Request(
    BASE + "/api/auth/register", method="POST", headers={"Content-Type": "application/json"},
    data=json.dumps({"email": VIEWER, "username": "viewer", "password": PASSWORD}).encode())
urllib.request.urlopen(req, timeout=60).read()
_, page = visit("/login")
token = re.search(r'name="csrf_token"\s+value="([^"]+)"', page)
form = {"email": VIEWER, "password": PASSWORD}
if token:
    form["csrf_token"] = token.group(1)
status, _ = visit("/login", urllib.parse.urlencode(form).encode())
if status != 303 or "pinkflow_session" not in jar:
    sys.exit(f"seed: signing in through the form answered {status} and no session cookie")
status, page = visit("/account")
if status != 200:
    sys.exit(f"seed: the signed-in browser got {status} for /account")
print(main_id, "; ".join(f"{k}={v}" for k, v in jar.items()))
