"""MARC-in-JSON (one record object, or an array of them), read with pymarc's ``JSONReader``.

``JSONReader`` parses leniently (``strict=False``: raw line breaks inside strings pass), which
would let a file that is not JSON through as if it were. The file is first parsed strictly so
that such a file gets a clear rejection; each record object's shape is checked before pymarc
turns it into a record, so one malformed record does not stop the others.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from django.utils.translation import gettext as _
from pymarc import JSONReader

from libcity.catalogue.marc.encodings import UTF8
from libcity.catalogue.marc.exceptions import MarcUnreadable
from libcity.catalogue.marc.flavours import detect_flavour
from libcity.catalogue.marc.results import MarcRecord, ReadResult, Rejection


def read_marcjson(data: bytes) -> Iterator[ReadResult]:
    try:
        loaded = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        yield Rejection(1, _("The JSON file is not valid UTF-8."), MarcUnreadable.code)
        return
    except json.JSONDecodeError as error:
        yield _not_json(error)
        return
    objects = loaded if isinstance(loaded, list) else [loaded]
    for number, obj in enumerate(objects, start=1):
        yield _read(obj, number)


def _not_json(error: json.JSONDecodeError) -> Rejection:
    words = _("The file is not valid JSON: %(problem)s (line %(line)d, column %(column)d).") % {
        "problem": error.msg.removesuffix(" at"),
        "line": error.lineno,
        "column": error.colno,
    }
    return Rejection(1, words, MarcUnreadable.code, offset=error.pos)


def json_record(obj: dict):
    """One MARC-in-JSON object as a pymarc record (its shape already checked)."""
    return next(iter(JSONReader(io.StringIO(json.dumps([obj])))))


def _read(obj, number: int) -> ReadResult:
    problem = _shape_problem(obj)
    if problem:
        return Rejection(number, problem, MarcUnreadable.code)
    record = json_record(obj)
    coded = next((s.value for f in record.get_fields("100") for s in f.subfields
                  if s.code == "a"), "")  # fmt: skip
    flavour = detect_flavour({field.tag for field in record.fields}, coded)
    raw = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    return MarcRecord(number, None, record, raw, "json", flavour, UTF8)


def _shape_problem(obj) -> str:
    """Why ``obj`` is not a MARC-in-JSON record, or ''."""
    if not isinstance(obj, dict):
        return _("A MARC-in-JSON record must be an object.")
    leader = obj.get("leader")
    if not isinstance(leader, str) or len(leader) != 24:
        return _("The record's leader is missing or not 24 characters.")
    if not isinstance(obj.get("fields"), list):
        return _("The record has no list of fields.")
    for entry in obj["fields"]:
        if not _field_ok(entry):
            return _("A field is not in the MARC-in-JSON shape: %(field)s.") % {
                "field": json.dumps(entry, ensure_ascii=False)[:80]}  # fmt: skip
    return ""


def _field_ok(entry) -> bool:
    if not isinstance(entry, dict) or len(entry) != 1:
        return False
    tag, value = next(iter(entry.items()))
    if len(tag) != 3:
        return False
    if tag < "010" and tag.isdigit():
        return isinstance(value, str)
    if not isinstance(value, dict) or not isinstance(value.get("subfields"), list):
        return False
    if not all(isinstance(value.get(i), str) and len(value[i]) == 1 for i in ("ind1", "ind2")):
        return False
    return all(
        isinstance(s, dict) and len(s) == 1 and all(len(c) == 1 and isinstance(v, str)
                                                    for c, v in s.items())
        for s in value["subfields"]
    )  # fmt: skip
