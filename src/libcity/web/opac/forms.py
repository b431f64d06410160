from django import forms
from django.utils.translation import gettext_lazy as _

from libcity.network.models import UnitKind
from libcity.network.selectors import unit_get


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *UnitKind.choices]
    )
    within = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)


class NearMeForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90)
    lng = forms.FloatField(min_value=-180, max_value=180)


class SelfRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=100)
    resident_id = forms.CharField(
        label=_("Resident ID number"),
        max_length=32,
        help_text=_("18 characters. Only a keyed fingerprint and the last four are kept."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    home_unit = forms.ChoiceField(label=_("Home library"))
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    username = forms.CharField(label=_("Username"), max_length=150, min_length=3)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)

    def __init__(self, *args, home_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_unit"].choices = home_choices


class NearCopyForm(forms.Form):
    """Where the reader is: a chosen unit, or coordinates from the phone."""

    near = forms.ChoiceField(label=_("From"), required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["near"].choices = units
        self._units = {code for code, _name in units if code}

    def point(self) -> tuple[float, float] | None:
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lng") is not None:
            return data["lat"], data["lng"]
        if data.get("near") in self._units:
            unit = unit_get(data["near"])
            return unit.latitude, unit.longitude
        return None


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("Title, author, pinyin, ISBN…"), required=False, max_length=500)
    sort = forms.ChoiceField(
        label=_("Order"), required=False,
        choices=[("relevance", _("Best match")), ("newest", _("Newest first"))],
    )  # fmt: skip
    available_now = forms.BooleanField(label=_("On a shelf now"), required=False)
    district = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    unit = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    clc_top = forms.CharField(required=False, widget=forms.HiddenInput, max_length=1)
    language = forms.CharField(required=False, widget=forms.HiddenInput, max_length=3)
    item_type = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)
    year_from = forms.IntegerField(
        label=_("From year"), required=False, min_value=1000, max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "1949"}),
    )  # fmt: skip
    year_to = forms.IntegerField(
        label=_("To year"), required=False, min_value=1000, max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "2026"}),
    )  # fmt: skip
    page = forms.IntegerField(required=False, min_value=1, max_value=500, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        first, last = data.get("year_from"), data.get("year_to")
        if first is not None and last is not None and first > last:
            self.add_error("year_to", _("The last year comes before the first."))
        return data
