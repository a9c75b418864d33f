"""The tone check: what in a draft would read as angry, defensive or empty, in French and English.

"Stay calm and professional": no anger, no negative exchanges, acknowledge the people
affected, say what comes next. `tone_check()` returns warnings, never a refusal; a person
decides. Each warning has a `code`, a `message` in the communication's language and an
`excerpt` quoting the words at fault ("" when the fault is something missing).

How the text is read:
- Word lists are matched on a folded copy of the text: lower case, accents removed (so
  "désolés" and "desoles" both count), typographic apostrophes made straight, "œ" as "oe";
  spaces, hyphens and elisions are flexible ("c'est de votre faute" with a straight or a curly
  apostrophe, "ferme-la"). Excerpts quote the original text.
- Lists of the communication's language apply, and a few words common to both ("fake news",
  "lol", mocking emoji).
- `shouting`: a word in capitals of 5 letters or more, or 2 capital words in a row with 7
  letters or more together. Shorter words in capitals are taken as acronyms (SNCF, RGPD, FAQ,
  CNIL, SAV) and so are the few longer ones in ACRONYMS; words with digits, also joined by a
  hyphen (COVID19, COVID-19), and Roman numerals are ignored.
- `too_long`: characters (Unicode code points) over CHANNEL_LIMITS for the channel.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from incidents.communications import tone_lexicon as lexicon
from incidents.communications.models import CommunicationChannel
from incidents.communications.placeholders import PLACEHOLDER
from incidents.models import Severity

# The longest a text should be on each channel, in characters (the README has this table).
# The platforms' own limits where they are short (X, Instagram, TikTok, LinkedIn); elsewhere
# what a reader takes in at once during a crisis: the rest belongs on a page the text links to.
CHANNEL_LIMITS = {
    "x": 280,  # the platform's limit
    "instagram": 2_200,  # the caption limit
    "tiktok": 2_200,  # the caption limit
    "linkedin": 3_000,  # the post limit
    "facebook": 2_000,
    "youtube": 2_000,
    "reddit": 2_000,
    "forum": 2_000,
    "review_site": 1_000,  # a reply under a review
    "email": 5_000,
    "news": 5_000,  # a statement for the news media
    "press": 5_000,  # about one page
    "blog": 10_000,
    "website": 10_000,
    "other": 10_000,
}
# Severities whose communications must acknowledge the people affected.
ACKNOWLEDGING_SEVERITIES = (Severity.HIGH, Severity.CRITICAL)

EXCERPTS = 3  # at most this many distinct quotes per warning
EXCERPT_LENGTH = 80

# Codes, in the order warnings are returned.
CODES = (
    "shouting", "repeated_punctuation", "insult", "blame", "sarcasm", "denial",
    "no_acknowledgement", "no_next_step", "too_long", "unfilled_placeholder",
)  # fmt: skip


def _message(code: str, **params) -> str:
    """The advice of `code`, in the active language."""
    messages = {
        "shouting": _("Words in capitals read as shouting; write them in lower case."),
        "repeated_punctuation": _(
            "Repeated punctuation (!!, ?!) reads as agitated; end each sentence with one mark."
        ),
        "insult": _("Insulting or aggressive words; remove them and stay factual."),
        "blame": _(
            "This blames the people you answer; say what happened and what you are doing "
            "about it instead."
        ),
        "sarcasm": _("Sarcasm or mockery; say plainly what you mean."),
        "denial": _(
            "A denial or a defensive absolute; state the facts you have checked without "
            "dismissing the concern."
        ),
        "no_acknowledgement": _(
            "The incident is high or critical: acknowledge the people affected (an apology, "
            "regret, or that you understand them)."
        ),
        "no_next_step": _(
            "Say what comes next: a commitment, a date, or where to find more information."
        ),
        "too_long": _(
            "%(length)s characters where %(channel)s takes %(limit)s; shorten it or link to "
            "a full statement."
        ),
        "unfilled_placeholder": _(
            "Placeholders left unfilled (%(names)s); replace them with the actual words."
        ),
    }
    return messages[code] % params if params else messages[code]


# --- Reading the text ------------------------------------------------------------------------

_APOSTROPHES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"}
_LIGATURES = {"œ": "oe", "æ": "ae"}


class FoldedText:
    """A lower-case, accent-free copy of a text that remembers where each character came from."""

    def __init__(self, text: str) -> None:
        self.original = text
        chars, origin = [], []
        for index, char in enumerate(text):
            folded = _APOSTROPHES.get(char)
            if folded is None:
                lowered = char.casefold()
                lowered = "".join(_LIGATURES.get(c, c) for c in lowered)
                decomposed = unicodedata.normalize("NFKD", lowered)
                folded = "".join(c for c in decomposed if not unicodedata.combining(c))
            chars.append(folded)
            origin.extend([index] * len(folded))
        self.text = "".join(chars)
        self._origin = origin

    def quote(self, start: int, end: int) -> str:
        """The original text of the folded span [start, end)."""
        if start >= end:
            return ""
        return self.original[self._origin[start] : self._origin[end - 1] + 1]


def _pattern(phrase: str) -> str:
    """A phrase (folded, written with regex alternatives) as a pattern with flexible spacing:
    a space matches spaces or a hyphen, an apostrophe matches one with or without a space."""
    phrase = phrase.replace("'", r"'\s*").replace(" ", r"[\s\-]+")
    return rf"(?<!\w){phrase}(?!\w)"


def _compile(phrases: list[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{_pattern(p)})" for p in phrases))


def _lists(table: dict[str, list[str]]) -> dict[str, re.Pattern]:
    return {lang: _compile(table[lang] + table["any"]) for lang in ("fr", "en")}


_PATTERNS = {
    "insult": _lists(lexicon.INSULT),
    "blame": _lists(lexicon.BLAME),
    "sarcasm": _lists(lexicon.SARCASM),
    "denial": _lists(lexicon.DENIAL),
}
_ACKNOWLEDGES = _lists(lexicon.ACKNOWLEDGEMENT)
_NEXT_STEPS = _lists(lexicon.NEXT_STEP)
# Repeated ! and ?, also spaced as French typography spaces them ("Vraiment ? !").
_MARKS = "!?\u203c\u2047\u2048\u2049\uff1f\uff01"  # also ‼ ⁇ ⁈ ⁉ and the full-width ? !
_REPEATED_PUNCTUATION = re.compile(rf"[{_MARKS}](?:\s?[{_MARKS}])+|[\u203c\u2047-\u2049]")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
# Digits touching a word, or joined to it by a hyphen: COVID19, COVID-19, 19-ALPHA.
_DIGITS_BEFORE = re.compile(r"\d-?$")
_DIGITS_AFTER = re.compile(r"-?\d")
_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
# Acronyms of 5 letters or more that are names, not shouting.
ACRONYMS = {"UNESCO", "UNICEF", "NASDAQ", "INSERM", "URSSAF", "ASSEDIC", "DGCCRF", "ARCEP"}
_SHOUTED_WORD = 5  # letters
_SHOUTED_PAIR = 7  # letters of two capital words in a row


# --- The checks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToneWarning:
    code: str
    message: str
    excerpt: str


def _quotes(spans: list[str]) -> str:
    """Up to EXCERPTS distinct quotes, each at most EXCERPT_LENGTH characters, joined."""
    distinct = list(dict.fromkeys(" ".join(span.split()) for span in spans if span.strip()))
    clipped = [q if len(q) <= EXCERPT_LENGTH else q[: EXCERPT_LENGTH - 1] + "…" for q in distinct]
    return " … ".join(clipped[:EXCERPTS])


def _shouted(text: str) -> list[str]:
    """Runs of capital words that read as shouting (see the module's docstring)."""
    runs: list[list[re.Match]] = []
    run: list[re.Match] = []
    last_end = 0
    for match in _WORD.finditer(text):
        word, start, end = match.group(0), match.start(), match.end()
        with_digits = bool(
            _DIGITS_BEFORE.search(text[max(0, start - 2) : start]) or _DIGITS_AFTER.match(text, end)
        )
        capital = word.isupper() and not with_digits and not _ROMAN.fullmatch(word)
        adjacent = not any(char.isalnum() for char in text[last_end:start])
        if capital and run and adjacent:
            run.append(match)
        else:
            if run:
                runs.append(run)
            run = [match] if capital else []
        last_end = end
    if run:
        runs.append(run)
    found = []
    for run in runs:
        words = [m.group(0) for m in run]
        sizes = [sum(char.isalpha() for char in word) for word in words]
        long_word = any(
            size >= _SHOUTED_WORD and word not in ACRONYMS
            for word, size in zip(words, sizes, strict=True)
        )
        if long_word or (len(words) >= 2 and sum(sizes) >= _SHOUTED_PAIR):
            found.append(text[run[0].start() : run[-1].end()])
    return found


def _found(pattern: re.Pattern, folded: FoldedText) -> list[str]:
    return [folded.quote(*m.span()) for m in pattern.finditer(folded.text)]


def tone_check(
    text: str, *, language: str, severity: str | None = None, channel: str | None = None
) -> list[dict]:
    """The tone warnings of `text` (a list of {code, message, excerpt}), messages in `language`.

    `severity` is the incident's (only high and critical ones need an acknowledgement);
    `channel` sets the length limit. Unknown or missing ones skip the checks that need them.
    """
    language = language if language in ("fr", "en") else "en"
    folded = FoldedText(text)
    found: dict[str, tuple[str, dict]] = {}

    shouted = _shouted(text)
    if shouted:
        found["shouting"] = (_quotes(shouted), {})
    repeated = [m.group(0) for m in _REPEATED_PUNCTUATION.finditer(text)]
    if repeated:
        found["repeated_punctuation"] = (_quotes(repeated), {})
    for code, patterns in _PATTERNS.items():
        quotes = _found(patterns[language], folded)
        if quotes:
            found[code] = (_quotes(quotes), {})
    if severity in ACKNOWLEDGING_SEVERITIES and not _ACKNOWLEDGES[language].search(folded.text):
        found["no_acknowledgement"] = ("", {})
    if not _NEXT_STEPS[language].search(folded.text):
        found["no_next_step"] = ("", {})
    limit = CHANNEL_LIMITS.get(channel or "")
    if limit is not None and len(text) > limit:
        found["too_long"] = (_quotes([text[limit:]]), {"length": len(text), "limit": limit})
    placeholders = [f"{{{name}}}" for name in dict.fromkeys(PLACEHOLDER.findall(text))]
    if placeholders:
        found["unfilled_placeholder"] = (
            _quotes(placeholders),
            {"names": ", ".join(placeholders)},
        )

    with translation.override(language):
        warnings = []
        for code in CODES:
            if code not in found:
                continue
            excerpt, params = found[code]
            if code == "too_long":
                params = {
                    "channel": str(CommunicationChannel(channel).label),
                    "length": number_format(params["length"], force_grouping=True),
                    "limit": number_format(params["limit"], force_grouping=True),
                }
            warnings.append(asdict(ToneWarning(code, _message(code, **params), excerpt)))
    return warnings
