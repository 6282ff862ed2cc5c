"""Alibaba Cloud OpenAPI V3 request signature (ACS3-HMAC-SHA256), as documented; used by the Aliyun SMS adapter."""

import hashlib
import hmac
from urllib.parse import quote


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def acs_encode(value):
    """Percent-encode as RFC 3986 wants it for the signature: space %20, * %2A, ~ kept."""
    return quote(value, safe="-_.~")


def canonical_query(params):
    """Return the name-sorted, encoded query string the signature covers (and the request sends)."""
    return "&".join(f"{acs_encode(k)}={acs_encode(v)}" for k, v in sorted(params))


def signature(secret, *, method, path, params, headers, signed_headers, body):
    """Return the hex signature of a request (headers: lower-case name → value)."""
    canonical_headers = "".join(f"{h}:{headers[h].strip()}\n" for h in signed_headers)
    canonical_request = "\n".join([method, path, canonical_query(params), canonical_headers,
                                   ";".join(signed_headers), sha256_hex(body)])
    string_to_sign = "ACS3-HMAC-SHA256\n" + sha256_hex(canonical_request.encode())
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def signed_headers(key_id, secret, *, host, action, version, params, nonce, date):
    """Return the headers of an RPC-style POST (parameters in the query string, empty body)."""
    body = b""
    headers = {"host": host, "x-acs-action": action, "x-acs-version": version, "x-acs-date": date,
               "x-acs-signature-nonce": nonce, "x-acs-content-sha256": sha256_hex(body)}
    names = sorted(headers)
    sig = signature(secret, method="POST", path="/", params=list(params.items()), headers=headers,
                    signed_headers=names, body=body)
    headers["Authorization"] = f"ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders={';'.join(names)},Signature={sig}"
    return headers
