"""Which MARC a record is: MARC21 or CNMARC (UNIMARC), decided per record by its fields.

The leader does not say: both use the same 24 positions for other things. The fields do.
MARC21 puts the title in 245 and fixed data in 008; UNIMARC and CNMARC put the title in 200
and fixed data in 100 $a, 36 positions starting with the entry date and a date-type letter
("20240101d2008...").
"""

from __future__ import annotations

import re
from collections.abc import Collection

from libcity.catalogue.models import MarcFlavour

MARC21 = MarcFlavour.MARC21.value
CNMARC = MarcFlavour.CNMARC.value

#: 100 $a of UNIMARC: eight digits (date entered on file), then the type of date letter.
_UNIMARC_100A = re.compile(r"\d{8}[a-kux]")
#: Leader/06 values that are not bibliographic records: MARC21 holdings (u v x y) and
#: authority (z); UNIMARC authority (x y z).
NOT_BIBLIOGRAPHIC = frozenset("uvxyz")


def detect_flavour(tags: Collection[str], coded_100a: str = "") -> str:
    """MARC21 or CNMARC from the tags present and the text of the first 100 $a."""
    if "245" in tags:
        return MARC21
    if "200" in tags:
        return CNMARC
    if "008" in tags:
        return MARC21
    if _UNIMARC_100A.match(coded_100a or ""):
        return CNMARC
    return MARC21
