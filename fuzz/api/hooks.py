"""Schemathesis hooks for `make fuzz-api`: a bearer token for the authenticated endpoints.

The account is created by fuzz/api/run.sh; its credentials come in FUZZ_EMAIL and
FUZZ_PASSWORD. A token is fetched on first use and again whenever a request answers 401
(the fuzzer itself calls POST /api/auth/logout, which revokes the token it used).
"""

import os

import requests
import schemathesis

BASE = os.environ["FUZZ_BASE"]


@schemathesis.auth(refresh_interval=120, retry_on=[401])
class BearerToken:
    def get(self, case, context):
        r = requests.post(
            f"{BASE}/api/auth/login",
            json={"email": os.environ["FUZZ_EMAIL"], "password": os.environ["FUZZ_PASSWORD"]},
            timeout=10,
        )
        r.raise_for_status()
        return r.json()["access_token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _integral_floats_to_ints(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_to_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_to_ints(v) for v in value]
    return value


@schemathesis.hook
def map_body(context, body):
    """JSON Schema counts `2.0` as an integer; PinkFlow deliberately does not (levels must
    be integer literals, as documented), and no schema keyword can say so. Send integral
    floats as integers so "schema-valid data is accepted" stays a meaningful check."""
    body = _integral_floats_to_ints(body)
    # Passwords are limited to 72 *bytes* (bcrypt's limit; the server refuses longer ones
    # rather than truncating). JSON Schema can only count characters, so the document says
    # maxLength 72: keep a generated password's length in characters but make it ASCII, so
    # it is within the byte limit exactly when it is within the character limit.
    if isinstance(body, dict) and isinstance(body.get("password"), str):
        pw = body["password"]
        if len(pw.encode("utf-8", "surrogatepass")) > 72 >= len(pw):
            body = {**body, "password": "".join(c if c.isascii() else "x" for c in pw)}
    return body
