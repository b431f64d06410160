"""The tokens of representative values, pinned: a change of the analysis chain that changes
what the index holds (a speed-up, a new rjieba or pypinyin) shows up here value by value.

``analysis_pins.json`` holds Chinese titles (heteronyms, long runs, unknown characters),
mixed-script titles, ISBNs in every shape, Latin text with diacritics, other scripts, odd
code points, and a sample of the demo generator's titles, authors, subjects, publishers and
places, each with what ``analyse``, ``value_tokens`` and ``query_tokens`` made of it when it
was written. When a change of tokens is intended, rewrite it and read the diff::

    .venv/bin/python -m libcity.search.tests.test_analysis_pins --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from libcity.search.analysis import analyse, analyse_clc, query_tokens, value_tokens

PINS = Path(__file__).with_name("analysis_pins.json")


def _pins() -> dict:
    return json.loads(PINS.read_text(encoding="utf-8"))


def current(values: list[str], clc: list[str]) -> dict:
    """What the chain makes of these values now, in the file's layout."""
    return {
        "analyse": {v: analyse(v) for v in values},
        "value_tokens": {v: " ".join(value_tokens(v)) for v in values if "\n" not in v},
        "query_tokens": {v: " ".join(query_tokens(v)) for v in values},
        "analyse_clc": {v: analyse_clc(v) for v in clc},
    }


PINNED = _pins()


@pytest.mark.parametrize("kind", ["analyse", "value_tokens", "query_tokens", "analyse_clc"])
def test_the_tokens_of_every_pinned_value_are_unchanged(kind):
    values = list(PINNED["analyse"])
    now = current(values, list(PINNED["analyse_clc"]))[kind]
    changed = {v: (PINNED[kind][v], now[v]) for v in PINNED[kind] if now[v] != PINNED[kind][v]}
    assert not changed, f"{len(changed)} values changed, first: {next(iter(changed.items()))}"


def test_twice_gives_the_same_tokens():
    """Memoised analysis answers a repeated value as it answered it the first time."""
    values = list(PINNED["analyse"])
    assert [analyse(v) for v in values] == [analyse(v) for v in values]
    assert [value_tokens(v) for v in values] == [value_tokens(v) for v in values]


def _write() -> None:
    pins = _pins() if PINS.exists() else {"analyse": {}, "analyse_clc": {}}
    made = current(list(pins["analyse"]), list(pins["analyse_clc"]))
    PINS.write_text(json.dumps(made, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__" and "--write" in sys.argv:
    _write()
