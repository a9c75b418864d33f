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


def _keys(minima) -> list[int]:
    """The band keys (signed 64-bit, for a BigIntegerField) of a text's BANDS * ROWS minima."""
    keys = []
    for band in range(BANDS):
        rows = minima[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(_BAND.pack(band, *rows), digest_size=8).digest()
        keys.append(int.from_bytes(digest, signed=True))
    return keys


_BAND = struct.Struct(f">B{ROWS}Q")

# The permutations run on many hashes at once, packed side by side in one Python integer: a
# field of 12 bytes per hash (a·h + b < 2^93 fits), so one multiplication, addition, shift or
# mask of the big integer does it for every hash (a loop in C instead of a Python expression
# per hash and permutation: 38 to 25 ms of CPU for a batch of 500 posts).
_FIELD = 12
_LOW = (1 << 61) - 1  # the prime's bits; 2^61 = 1 modulo the prime
_HIGH = (1 << (8 * _FIELD - 61)) - 1  # what lies above bit 61 of a field, and no more


def _fields_modulo_prime(packed: int, ones: int, low: int, high: int) -> int:
    """Each field of `packed` (below 2^93) modulo _PRIME, exactly; `ones`, `low` and `high`
    hold 1, _LOW and _HIGH in every field.

    x = high·2^61 + low is congruent to high + low, which is below 2^61 + 2^32 < 2·_PRIME:
    subtract _PRIME from the fields where it is reached, those whose bit 61 turns on at + 1."""
    reduced = (packed & low) + ((packed >> 61) & high)
    over = ((reduced + ones) >> 61) & ones  # 1 in the fields at or above _PRIME
    return reduced - over * _PRIME if over else reduced


def bands_many(shingle_sets: list[frozenset[str]]) -> list[list[int]]:
    """The MinHash band keys of each bigram set (`bands` of each, computed at once)."""
    hashes: list[int] = []
    spans = []  # of the sets that are not empty
    for shingles in shingle_sets:
        if shingles:
            start = len(hashes)
            hashes += [zlib.crc32(shingle.encode()) for shingle in shingles]  # stable everywhere
            spans.append(slice(start, len(hashes)))
    if not hashes:
        return [[] for _ in shingle_sets]
    count = len(hashes)
    packed = int.from_bytes(struct.pack("<" + f"I{_FIELD - 4}x" * count, *hashes), "little")
    ones = int.from_bytes((b"\x01" + bytes(_FIELD - 1)) * count, "little")
    masks = (ones, ones * _LOW, ones * _HIGH)
    unpack = struct.Struct("<" + f"Q{_FIELD - 8}x" * count).unpack
    columns = []  # per permutation, the minimum of each set
    for a, b in _PERMUTATIONS:
        fields = _fields_modulo_prime(a * packed + b * ones, *masks)
        values = unpack(fields.to_bytes(_FIELD * count, "little"))
        columns.append(list(map(min, map(values.__getitem__, spans))))
    keys = iter(map(_keys, zip(*columns, strict=True)))
    return [next(keys) if shingles else [] for shingles in shingle_sets]


def bands(shingles: frozenset[str]) -> list[int]:
    """The MinHash band keys of a bigram set (signed 64-bit, for a BigIntegerField): of each
    permutation (a·h + b mod _PRIME, h the CRC-32 of a bigram) the smallest value, ROWS of
    them hashed into each of the BANDS keys."""
    return bands_many([shingles])[0]


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
