"""Forms of the terminals page. They check shapes; the services check the rules (and the
scope), and their refusals are shown on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from libcity.core.exceptions import DomainError
from libcity.selfservice.models import ChecksumMode, Encoding, Terminal, TerminalKind, Terminator
from libcity.selfservice.services.bins import ACTIONS

SETTINGS = ("kind", "name", "encoding", "checksum", "terminator", "delimiter",
            "status_before_login", "idle_seconds", "institution", "default_bin")  # fmt: skip
BIN_ACTIONS = {
    "shelve": _("Shelve here"),
    "hold_shelf": _("Onto the hold shelf"),
    "transit": _("In transit"),
}


class TerminalSettingsForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TerminalKind.choices)
    name = forms.CharField(label=_("Terminal name"), max_length=100, required=False,
                           help_text=_("Where it stands, for people"))  # fmt: skip
    encoding = forms.ChoiceField(label=_("Encoding"), choices=Encoding.choices)
    checksum = forms.ChoiceField(label=_("Checksum"), choices=ChecksumMode.choices)
    terminator = forms.ChoiceField(label=_("Message terminator"), choices=Terminator.choices)
    delimiter = forms.CharField(label=_("Field delimiter"), max_length=1, initial="|",
                                strip=False)  # fmt: skip
    status_before_login = forms.BooleanField(
        label=_("Answer SC status (99) before login"), required=False
    )
    idle_seconds = forms.IntegerField(label=_("Idle time-out (seconds)"), initial=600,
                                      min_value=10, max_value=24 * 3600)  # fmt: skip
    institution = forms.CharField(label=_("Institution (AO)"), max_length=60, required=False,
                                  help_text=_("Empty: the unit's code"))  # fmt: skip
    default_bin = forms.CharField(
        label=_("Default bin"), max_length=10, required=False,
        help_text=_("A sorter: where a copy no rule names goes"),
    )  # fmt: skip

    @classmethod
    def for_terminal(cls, terminal: Terminal) -> TerminalSettingsForm:
        return cls(initial={name: getattr(terminal, name) for name in SETTINGS})

    def settings(self) -> dict:
        return {name: self.cleaned_data[name] for name in SETTINGS}

    def show_error(self, error: DomainError) -> None:
        self.add_error(None, error.message)


class TerminalCreateForm(TerminalSettingsForm):
    login = forms.CharField(label=_("Login"), max_length=60,
                            help_text=_("What the machine signs in with (SIP2 CN)"))  # fmt: skip
    unit = forms.CharField(label=_("Unit (code)"), max_length=40)

    field_order = ["login", "unit", *SETTINGS]


class SortBinForm(forms.Form):
    route = forms.ChoiceField(label=_("When the return says"),
                               choices=[(a, BIN_ACTIONS[a]) for a in ACTIONS])  # fmt: skip
    destination = forms.CharField(label=_("To unit (code; transits only, empty: any)"),
                                  max_length=40, required=False)  # fmt: skip
    bin = forms.CharField(label=_("Bin"), max_length=10)
