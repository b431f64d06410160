"""Fill translations into a gettext catalogue, clearing their fuzzy flags.

    libcity makemessages -l zh_Hans --no-location --no-obsolete -i "*/tests/*" -i conftest.py
    python tools/po_fill.py src/libcity/locale/zh_Hans/LC_MESSAGES/django.po new.json
    msgfmt --check -o .../django.mo .../django.po

``new.json`` maps English msgids to their translation. Only the entries named are touched;
a plural entry gets its one Chinese form in ``msgstr[0]``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def field(entry: str, name: str) -> str | None:
    match = re.search(rf'^{name} ((?:".*"\n?)+)', entry + "\n", re.M)
    return "".join(re.findall(r'"(.*)"', match.group(1))) if match else None


def filled(entry: str, translation: str) -> str:
    lines = [line for line in entry.split("\n") if not line.startswith("#|")]
    lines = [re.sub(r"^#, fuzzy, ", "#, ", line) for line in lines]
    lines = [re.sub(r"^(#,.*), fuzzy", r"\1", line) for line in lines if line != "#, fuzzy"]
    body = "\n".join(lines)
    head = body.split("\nmsgstr")[0]
    target = "msgstr[0]" if "msgid_plural" in body else "msgstr"
    return f'{head}\n{target} "{translation.replace(chr(34), chr(92) + chr(34))}"'


def main(po_path: str, translations_path: str) -> None:
    translations = json.loads(Path(translations_path).read_text(encoding="utf-8"))
    entries = Path(po_path).read_text(encoding="utf-8").split("\n\n")
    out = [
        filled(e, translations[field(e, "msgid")]) if field(e, "msgid") in translations else e
        for e in entries
    ]
    Path(po_path).write_text("\n\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
