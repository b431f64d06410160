import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from libcity.network.selectors import WEEKDAY_NAMES
from libcity.readers.models import BlockReason


class MoveForm(forms.Form):
    parent = forms.CharField(label=_("New parent unit (code)"), max_length=40)


class TimetableForm(forms.Form):
    """One text field a day: "09:00-12:00, 14:00-17:30"; empty means closed that day."""

    def __init__(self, *args, initial_week=None, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAY_NAMES):
            spans = (initial_week or {}).get(day, [])
            self.fields[f"day{day}"] = forms.CharField(
                label=label,
                required=False,
                max_length=100,
                initial=", ".join(f"{o:%H:%M}-{c:%H:%M}" for o, c in spans),
            )

    def clean(self):
        data = super().clean()
        week = {}
        for day in range(7):
            text = (data.get(f"day{day}") or "").strip()
            try:
                week[day] = [_span(part) for part in text.split(",") if part.strip()]
            except ValueError:
                self.add_error(f"day{day}", _("Write times as 09:00-12:00, 14:00-17:30."))
        data["week"] = {day: spans for day, spans in week.items() if spans}
        return data


def _span(text: str) -> tuple[dt.time, dt.time]:
    opens, closes = (part.strip() for part in text.split("-"))
    return dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)


class ClosedDateForm(forms.Form):
    date = forms.DateField(label=_("Closed on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    include_descendants = forms.BooleanField(label=_("Also the units below"), required=False)


class ReaderSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Card, name, phone or last four of ID"), required=False, max_length=100
    )


class ReaderRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=100)
    resident_id = forms.CharField(
        label=_("Resident ID number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = forms.ChoiceField(label=_("Reader category"))
    home_unit = forms.ChoiceField(label=_("Home library"))
    guardian_card = forms.CharField(
        label=_("Guardian's card number (children)"), required=False, max_length=20
    )
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    deposit_amount = forms.DecimalField(
        label=_("Deposit (yuan)"), min_value=0, max_digits=8, decimal_places=2, required=False
    )

    def __init__(self, *args, categories=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories
        self.fields["home_unit"].choices = units


class BlockForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=BlockReason.choices, initial=BlockReason.MANUAL
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
