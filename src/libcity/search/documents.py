"""What the search index holds about one record: its text fields and its facet values.

The catalogue builds these (``catalogue.indexing``); the search room never reads the
catalogue's tables. A text field holds one value a line (``"鲁迅\\n许广平"`` for two authors), so
the whole-value pinyin and initials are made per author, per title, per subject.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from libcity.search.analysis import analyse, analyse_clc

#: The text fields, in the column order of both backends. ``clc`` is the ``class:`` field.
TEXT_FIELDS = ("title", "author", "subject", "publisher", "isbn", "clc", "other")


@dataclass
class SearchDocument:
    record_id: int
    title: str = ""
    author: str = ""
    subject: str = ""
    publisher: str = ""
    isbn: str = ""  # every ISBN of the edition, one a line
    clc: str = ""  # the CLC number(s): the ``class:`` field
    other: str = ""  # statement of responsibility, place, anything else worth finding
    year: int | None = None
    language: str = ""
    clc_top: str = ""
    item_types: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # unit codes where copies stand
    districts: list[str] = field(default_factory=list)  # district codes of those units
    available_units: list[str] = field(default_factory=list)  # units with a copy on the shelf
    available_districts: list[str] = field(default_factory=list)  # their districts
    #: The text fields already analysed (what ``analysed`` returns), when the caller made
    #: them beforehand (a MARC import does, in the process reading the file).
    tokens: dict[str, str] | None = field(default=None, compare=False, repr=False)

    @property
    def available(self) -> bool:
        return bool(self.available_units)

    def analysed(self) -> dict[str, str]:
        """Each text field as the tokens the backends store (``analysis``)."""
        if self.tokens is not None:
            return self.tokens
        return {
            name: analyse_clc(self.clc) if name == "clc" else analyse(getattr(self, name))
            for name in TEXT_FIELDS
        }

    def facet_values(self) -> dict[str, list[str]]:
        """The many-valued facets, each value once, in a stable order."""
        return {
            "item_type": sorted(set(self.item_types)),
            "unit": sorted(set(self.units)),
            "district": sorted(set(self.districts)),
            "available_unit": sorted(set(self.available_units)),
            "available_district": sorted(set(self.available_districts)),
        }
