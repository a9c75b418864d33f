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


def bands_of_many(sets: list[frozenset[str]]) -> list[list[int]]:
    """bands() of each set: the same keys, computed for all the texts of a batch at once with
    numpy when it is installed (a batch of 500 posts, 11,000 bigrams: 36 ms in Python, 7 ms
    with numpy)."""
    if _np is None:
        return [bands(shingles) for shingles in sets]
    np = _np
    wanted = [shingles for shingles in sets if shingles]
    if not wanted:
        return [[] for _ in sets]
    hashed = np.array(
        [zlib.crc32(shingle.encode()) for shingles in wanted for shingle in shingles],
        dtype=np.uint64,
    )
    # (a·h + b) mod p exactly in 64 bits (a row per permutation, a column per bigram), with
    # p = 2^61 - 1 and h < 2^32: a = a_hi·2^32 + a_lo; 2^61 ≡ 1, so for t = a_hi·h < 2^61,
    # t·2^32 ≡ (t >> 29) + ((t mod 2^29) << 32); and x ≡ (x mod 2^61) + (x >> 61). Every sum
    # stays below 2^63; the operations write in place (fewer arrays to allocate).
    high = _A_HIGH * hashed
    value = high >> _29
    high &= _LOW29
    high <<= _32
    value += high
    low = np.multiply(_A_LOW, hashed, out=high)
    value += low & _P
    low >>= _61
    value += low
    value += _B
    low = np.bitwise_and(value, _P, out=low)
    value >>= _61
    value += low
    np.subtract(value, _P, out=value, where=value >= _P)
    starts = np.zeros(len(wanted), dtype=np.int64)
    np.cumsum([len(shingles) for shingles in wanted[:-1]], out=starts[1:])
    minima = iter(np.minimum.reduceat(value, starts, axis=1).T.tolist())
    return [_keys(next(minima)) if shingles else [] for shingles in sets]


try:  # an optional speed-up: bands_of_many gives the same keys without it
    import numpy as _np
except ImportError:  # pragma: no cover - depends on the environment
    _np = None
else:
    _A_HIGH = _np.array([[a >> 32] for a, _b in _PERMUTATIONS], dtype=_np.uint64)
    _A_LOW = _np.array([[a & 0xFFFFFFFF] for a, _b in _PERMUTATIONS], dtype=_np.uint64)
    _B = _np.array([[b] for _a, b in _PERMUTATIONS], dtype=_np.uint64)
    _P = _np.uint64(_PRIME)
    _29, _32, _61, _LOW29 = (_np.uint64(n) for n in (29, 32, 61, (1 << 29) - 1))


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
