"""Every page string has its 简体中文 translation, and the compiled catalogue matches it."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "libcity" / "locale" / "zh_Hans" / "LC_MESSAGES"
LIBCITY = Path(sys.executable).with_name("libcity")
ENTRY = re.compile(
    r'^(?:msgctxt "(?P<ctx>.*)"\n)?msgid "(?P<id>.*)"\n(?:msgid_plural .*\n)?'
    r'msgstr(?:\[0\])? "(?P<str>.*)"',
    re.M,
)


def entries() -> list[tuple[str | None, str, str]]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    text = re.sub(r'"\n"', "", text)  # join continued lines
    return [(m["ctx"], m["id"], m["str"]) for m in ENTRY.finditer(text) if m["id"]]


def test_the_catalogue_is_complete():
    found = entries()
    assert len(found) > 200
    assert [msgid for _ctx, msgid, msgstr in found if not msgstr] == []
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_the_compiled_catalogue_matches_the_source():
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for ctx, msgid, msgstr in entries():
        key = msgid.encode().decode("unicode_escape").encode("latin-1").decode()
        want = msgstr.encode().decode("unicode_escape").encode("latin-1").decode()
        got = compiled.pgettext(ctx, key) if ctx else compiled.gettext(key)
        assert got == want, msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path):
    copy = tmp_path / "libcity"
    shutil.copytree(ROOT / "src" / "libcity", copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "LIBCITY_HOME": str(tmp_path / "var")}
    subprocess.run(
        [
            str(LIBCITY),
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
            "-i",
            "*/tests/*",
            "-i",
            "conftest.py",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    missing = ""
    for selection in ("--untranslated", "--only-fuzzy"):  # a fuzzy entry is only a guess
        missing += subprocess.run(
            ["msgattrib", selection, str(po)], capture_output=True, text=True, check=True
        ).stdout
    missing = re.sub(r'"\n"', "", missing)  # join wrapped lines
    assert re.findall(r'^msgid "(.+)"', missing, re.M) == []
