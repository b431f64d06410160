"""The words readers see for the catalogue's codes: the 22 top classes of the Chinese Library
Classification and the MARC language codes (ISO 639-2, named by pycountry in the reader's
language)."""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import gettext_lazy as _

#: The top classes of the Chinese Library Classification (5th edition).
CLC_TOP_NAMES = {
    "A": _("Marxism, Leninism, Mao Zedong Thought, Deng Xiaoping Theory"),
    "B": _("Philosophy and religion"),
    "C": _("Social sciences in general"),
    "D": _("Politics and law"),
    "E": _("Military science"),
    "F": _("Economics"),
    "G": _("Culture, science, education and sports"),
    "H": _("Languages and writing"),
    "I": _("Literature"),
    "J": _("Art"),
    "K": _("History and geography"),
    "N": _("Natural sciences in general"),
    "O": _("Mathematics, physics and chemistry"),
    "P": _("Astronomy and earth sciences"),
    "Q": _("Life sciences"),
    "R": _("Medicine and health"),
    "S": _("Agricultural sciences"),
    "T": _("Industrial technology"),
    "U": _("Transport"),
    "V": _("Aviation and spaceflight"),
    "X": _("Environmental and safety sciences"),
    "Z": _("General works"),
}


def clc_top_name(letter: str) -> str:
    """``I`` → ``I 文学`` (in the active language); an unknown letter stays as it is."""
    name = CLC_TOP_NAMES.get(letter)
    return f"{letter} {name}" if name else letter


def language_name(code: str, language: str) -> str:
    """The name of a MARC language code (``chi``, ``eng``, ``fre``) in ``language`` (a Django
    language code such as ``zh-hans``); the code itself when ISO 639 does not know it."""
    found = _iso_language(code.lower())
    if found is None:
        return code
    name = found.name
    if language.startswith("zh"):
        name = _chinese().gettext(name)
    return name.split(";")[0].strip()


@lru_cache(maxsize=512)
def _iso_language(code: str):
    if len(code) != 3 or not code.isalpha():
        return None
    return pycountry.languages.get(alpha_3=code) or pycountry.languages.get(bibliographic=code)


@lru_cache(maxsize=1)
def _chinese() -> gettext.NullTranslations:
    return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["zh_CN"],
                               fallback=True)  # fmt: skip
