"""What makes two posts "the same": normalised text, fingerprints, MinHash bands, URL keys.

Near-identical content (a copy-paste campaign) is found by an index lookup, never by comparing
a new post with every stored one:

- **Exact copies**: the text is normalised (case, accents, punctuation, whitespace, URLs,
  @mentions, #hashtags and emoji set aside) and hashed; equal hashes are equal texts.
- **Edited copies** (texts of `MIN_WORDS` words or more): the word bigrams of the normalised text
  are compared by Jaccard similarity (shared bigrams / all bigrams), matching from
  `SIGNAL_NEAR_DUPLICATE_JACCARD` (0.6). Changing one word of a 20-word post keeps about 0.8;
  two different sentences about the same subject share few bigrams (below 0.3). Candidates
  come from MinHash locality-sensitive hashing: `BANDS` band keys of `ROWS` minima each, stored
  per cluster and indexed; two texts of similarity s share a band with probability
  1 - (1 - s^ROWS)^BANDS (0.97 at 0.6, 0.996 at 0.7), and each candidate is then checked exactly.
"""

import hashlib
import itertools
import re
import struct
import unicodedata
import zlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

MIN_WORDS = 6
# Long texts are compared on their first words: posts are short, and the work stays bounded.
MAX_WORDS = 400
BANDS = 8
ROWS = 2
_PRIME = (1 << 61) - 1
# Fixed permutations (a·x + b mod p): the same text gives the same bands in every process.
_PERMUTATIONS = [
    (
        int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest()) % _PRIME or 1,
        int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest()) % _PRIME,
    )
    for i in range(BANDS * ROWS)
]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TAG = re.compile(r"[@#][^\s@#]+")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of `text`, lower case and without accents; URLs, @mentions, #hashtags,
    punctuation and emoji left out."""
    text = _TAG.sub(" ", _URL.sub(" ", text))
    text = unicodedata.normalize("NFKD", text.casefold())
    if not text.isascii():  # no ASCII character combines: a Python call per character saved
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _WORD.findall(text)


def normalised(text: str) -> str:
    return " ".join(words(text))


def fingerprint(normal: str) -> str:
    """The hash of a normalised text (equal hashes, equal texts)."""
    return hashlib.sha256(normal.encode()).hexdigest()


def bigrams(normal: str) -> frozenset[str]:
    """The word bigrams of a normalised text; empty below MIN_WORDS words."""
    tokens = normal.split()[:MAX_WORDS]
    if len(tokens) < MIN_WORDS:
        return frozenset()
    return frozenset(f"{a} {b}" for a, b in itertools.pairwise(tokens))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def near_identical(a: frozenset, b: frozenset) -> bool:
    return jaccard(a, b) >= settings.SIGNAL_NEAR_DUPLICATE_JACCARD


def _signed64(digest: bytes) -> int:
    return struct.unpack(">q", digest[:8])[0]


def _keys(minima) -> list[int]:
    """The band keys of a text's BANDS * ROWS minima."""
    keys = []
    for band in range(BANDS):
        rows = minima[band * ROWS : (band + 1) * ROWS]
        keys.append(_signed64(hashlib.blake2b(_BAND.pack(band, *rows), digest_size=8).digest()))
    return keys


_BAND = struct.Struct(f">B{ROWS}Q")


def bands(shingles: frozenset[str]) -> list[int]:
    """The MinHash band keys of a bigram set (signed 64-bit, for a BigIntegerField)."""
    if not shingles:
        return []
    hashed = [zlib.crc32(shingle.encode()) for shingle in shingles]  # stable across processes
    return _keys([min([(a * h + b) % _PRIME for h in hashed]) for a, b in _PERMUTATIONS])


def url_normalised(url: str) -> str:
    """The URL as a key: no scheme, host in lower case without `www.` or a default port,
    no trailing slash, no fragment, tracking parameters (utm_*, fbclid…) removed and the rest
    sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    tracking = settings.SIGNAL_URL_TRACKING_PARAMETERS
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not (name.lower().startswith("utm_") or name.lower() in tracking)
    )
    netloc = f"{host}:{port}" if port else host
    return urlunsplit(("", netloc, parts.path.rstrip("/"), urlencode(query), ""))


def url_key(url: str) -> str:
    """The hash of the normalised URL (a fixed-size unique key)."""
    return hashlib.sha256(url_normalised(url).encode()).hexdigest() if url else ""
