from django import forms
from django.utils.translation import gettext_lazy as _

from libcity.catalogue.data import RecordData
from libcity.catalogue.models import ItemStatus, ItemType, Record, RecordFormat
from libcity.catalogue.policies import STAFF_SETTABLE_STATUSES
from libcity.core.identifiers import isbn_normalise


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(";", "\n").splitlines() if line.strip()]


class RecordForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    responsibility = forms.CharField(label=_("Statement of responsibility"), max_length=500,
                                     required=False)  # fmt: skip
    authors = forms.CharField(label=_("Authors (one a line)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    publisher = forms.CharField(label=_("Publisher"), max_length=300, required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=1, max_value=2999, required=False)
    isbns = forms.CharField(label=_("ISBNs (one a line, 10 or 13 digits)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    language = forms.CharField(label=_("Language (ISO 639-2, e.g. chi)"), max_length=3,
                               required=False)  # fmt: skip
    clc = forms.CharField(label=_("Chinese Library Classification"), max_length=40,
                          required=False)  # fmt: skip
    subjects = forms.CharField(label=_("Subjects (one a line)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    format = forms.ChoiceField(label=_("Format"), choices=RecordFormat.choices)

    def clean_isbns(self) -> list[str]:
        found = []
        for raw in _lines(self.cleaned_data["isbns"]):
            isbn = isbn_normalise(raw)
            if isbn is None:
                raise forms.ValidationError(_("%(isbn)s is not a valid ISBN.") % {"isbn": raw})
            found.append(isbn)
        return found

    def record_data(self) -> RecordData:
        data = self.cleaned_data
        return RecordData(
            title=data["title"], responsibility=data["responsibility"],
            authors=_lines(data["authors"]), publisher=data["publisher"], place=data["place"],
            year=data["year"], isbns=data["isbns"], language=data["language"].lower(),
            clc=data["clc"].strip().upper(), subjects=_lines(data["subjects"]),
            format=data["format"],
        )  # fmt: skip

    @classmethod
    def for_record(cls, record: Record) -> "RecordForm":
        return cls(initial={
            "title": record.title, "responsibility": record.responsibility,
            "authors": "\n".join(record.authors), "publisher": record.publisher,
            "place": record.place, "year": record.year, "isbns": "\n".join(record.isbns),
            "language": record.language, "clc": record.clc,
            "subjects": "\n".join(record.subjects), "format": record.format,
        })  # fmt: skip


class ItemForm(forms.Form):
    barcode = forms.CharField(label=_("Barcode"), max_length=40)
    owner = forms.ChoiceField(label=_("Owning unit"))
    call_number = forms.CharField(label=_("Call number"), max_length=100, required=False)
    item_type = forms.ChoiceField(label=_("Item type"), choices=ItemType.choices)
    price = forms.DecimalField(label=_("Price (yuan)"), min_value=0, max_digits=10,
                               decimal_places=2, required=False)  # fmt: skip

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = units


class ItemStatusForm(forms.Form):
    barcode = forms.CharField(max_length=40, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Mark as"),
        choices=[(s.value, s.label) for s in ItemStatus if s in STAFF_SETTABLE_STATUSES],
    )


class MarcUploadForm(forms.Form):
    file = forms.FileField(
        label=_("MARC file"),
        help_text=_("ISO 2709, MARCXML or MARC-in-JSON; MARC21 or CNMARC; UTF-8, MARC-8 or "
                    "GB18030. At most 20 MB here; larger files with `libcity import-marc`."),
    )  # fmt: skip
    unit = forms.ChoiceField(label=_("Copies belong to"))
    dry_run = forms.BooleanField(label=_("Only check, import nothing"), required=False)

    MAX_BYTES = 20 * 1024 * 1024

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload
