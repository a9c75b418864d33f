"""The French catalogue: complete, compiled as written, and holding every string of the code."""

import shutil
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
PO = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# What `make messages` reads: the code, not the tests, the virtualenv or collected static files.
SOURCES = ["config", "crisis_api", "incidents"]
GETTEXT_TOOLS = ["xgettext", "msgmerge", "msguniq", "msgattrib"]


def _key(entry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def _translation(entry):
    if entry.msgid_plural:
        return tuple(sorted((int(n), text) for n, text in entry.msgstr_plural.items()))
    return entry.msgstr


def _entries(catalogue) -> dict:
    return {_key(e): _translation(e) for e in catalogue if not e.obsolete}


def test_every_string_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))

    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]

    assert untranslated == [], f"translate these in {PO}, then run `make messages`"
    assert fuzzy == [], f"check these translations and remove their `fuzzy` flag in {PO}"
    assert not po.metadata_is_fuzzy, "the catalogue's header is marked fuzzy"
    assert po.metadata["Language"] == "fr"


def test_compiled_catalogue_holds_what_the_po_says():
    po, mo = polib.pofile(str(PO)), polib.mofile(str(MO))

    assert _entries(mo) == _entries(po), f"{MO} is stale: run `make messages` and commit it"
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def test_catalogue_holds_every_string_of_the_code(tmp_path, settings, monkeypatch):
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        pytest.skip(
            f"GNU gettext is not installed ({', '.join(missing_tools)} missing): "
            "run `make gettext` to check the catalogue against the code"
        )
    # makemessages writes into the catalogue and beside the templates: work on a copy.
    for name in SOURCES:
        shutil.copytree(
            ROOT / name,
            tmp_path / name,
            ignore=shutil.ignore_patterns("__pycache__", "static"),
        )
    shutil.copytree(LOCALE, tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)

    call_command("makemessages", locale=["fr"], add_location="file", stdout=StringIO())

    in_code = _entries(polib.pofile(str(tmp_path / PO.relative_to(ROOT))))
    committed = _entries(polib.pofile(str(PO)))
    missing = sorted(msgid for _, msgid, _ in in_code.keys() - committed.keys())
    assert missing == [], f"strings missing from {PO}: run `make messages` and translate them"
