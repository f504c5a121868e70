"""What the load scripts send as a client would: requests, sign-ins with TOTP
codes for the demo's users with a second factor (their secrets are in the
demo's --credentials-file), and the alerts they write."""

import base64
import hmac
import json
import struct
import time
import urllib.error
import urllib.request


def totp_code(secret_base32, at=None):
    """RFC 6238 (SHA-1, 6 digits, 30 s), as an authenticator app computes it."""
    key = base64.b32decode(secret_base32.upper() + "=" * (-len(secret_base32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    offset = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def alert(member, release_members, series, summary):
    """A document-fraud alert of `member` (a country code), released to other members."""
    return {
        "title": f"Counterfeit passports, series {series}",
        "summary": f"{summary}: a series of counterfeit passports seen at the border.",
        "body": "Seen at the **main airport**; the series is in the details.",
        "category": "document_fraud",
        "details": {"kind": "alert", "alert_type": "document_fraud",
                    "document": {"document_type": "P", "issuing_state": member, "fraud_type": "counterfeit",
                                 "series": [series]}},
        "classification": 2,
        "tlp": "AMBER",
        "caveats": {},
        "release": {"members": release_members},
        "grading": {"scheme": "admiralty", "source": "B", "information": "2"},
        "tags": ["godwit:document-fraud"],
        "countries": [{"code": member, "role": "issuing_state"}],
        "environment": "air",
    }


def call(base, method, path, token=None, body=None, cookie=None, csrf=None):
    """(status, JSON or text) of one request."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = f"godwit_session={cookie}"
    if csrf:
        headers["X-CSRF-Token"] = csrf
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def login_body(credentials, username):
    """What `username` of `credentials` (the credentials file by username) sends to sign in."""
    credential = credentials[username]
    body = {"username": username, "password": credential["password"]}
    if credential.get("totp_secret"):
        body["totp"] = totp_code(credential["totp_secret"])
    return body


def login(base, credentials, username):
    """(status, answer) of signing in."""
    return call(base, "POST", "/api/v1/auth/login", body=login_body(credentials, username))
