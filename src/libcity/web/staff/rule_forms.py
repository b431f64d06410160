"""Forms over the loan rules (``RuleData``) and the "which rule applies" question, and the
words for each term. Bounds and scope are the service's to check; the form only parses."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from libcity.catalogue.models import ItemType
from libcity.circulation.models import FloatGroup, LoanRule, ReturnTo
from libcity.circulation.services import RuleData
from libcity.core.exceptions import DomainError
from libcity.network.selectors import unit_get
from libcity.readers.selectors import categories

#: Each term a rule may set, in the library's words (the form's labels and the explanations).
TERM_LABELS = {
    "loanable": gettext_lazy("Lent"),
    "loan_days": gettext_lazy("Loan period (days)"),
    "max_items": gettext_lazy("Most loans in all"),
    "max_items_of_type": gettext_lazy("Most loans of this item type"),
    "renewals": gettext_lazy("Renewals"),
    "renewal_days": gettext_lazy("Renewal period (days)"),
    "grace_days": gettext_lazy("Days of grace after the due date"),
    "fine_per_day": gettext_lazy("Fine per late day (yuan)"),
    "fine_max": gettext_lazy("Largest fine (yuan)"),
    "credit_per_day": gettext_lazy("Credit points a late day costs"),
    "return_to": gettext_lazy("Where the copy goes back"),
    "float_group": gettext_lazy("Float group"),
}
WHOLE_TERMS = ("loan_days", "max_items", "max_items_of_type", "renewals", "renewal_days",
               "grace_days", "credit_per_day")  # fmt: skip
MONEY_TERMS = ("fine_per_day", "fine_max")
WHERE_FIELDS = ("name", "unit", "category", "item_type")


def term_text(term: str, value) -> str:
    """A term's value in words (blank when the rule leaves it to others)."""
    if value is None or value == "":
        return ""
    if term == "loanable":
        return _("Yes") if value else _("No, not for loan")
    if term == "return_to":
        return str(ReturnTo(value).label)
    if term in MONEY_TERMS:
        return _("%(amount)s yuan") % {"amount": Decimal(value).quantize(Decimal("0.01"))}
    return str(value)


def category_label(category) -> str:
    return category.name_en if get_language() == "en" else category.name_zh


class _CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return category_label(obj)


def _category_field(empty: str) -> forms.ModelChoiceField:
    return _CategoryField(queryset=categories(), to_field_name="code", required=False,
                          label=gettext_lazy("Reader category"), empty_label=empty)  # fmt: skip


def _item_type_field(empty: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=gettext_lazy("Item type"), required=False,
                             choices=[("", empty), *ItemType.choices])  # fmt: skip


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    unit = forms.CharField(
        label=gettext_lazy("Unit code"), max_length=40, required=False,
        help_text=gettext_lazy("Blank: the whole city. A rule holds for the unit and "
                               "everything below it."),
    )  # fmt: skip
    loanable = forms.TypedChoiceField(
        label=TERM_LABELS["loanable"], required=False, empty_value=None,
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        choices=[("", gettext_lazy("Inherited")), ("yes", gettext_lazy("Yes")),
                 ("no", gettext_lazy("No, not for loan"))],
    )  # fmt: skip
    return_to = forms.ChoiceField(
        label=TERM_LABELS["return_to"], required=False,
        choices=[("", gettext_lazy("Inherited")), *ReturnTo.choices],
    )  # fmt: skip
    float_group = forms.ModelChoiceField(
        label=TERM_LABELS["float_group"], required=False, to_field_name="code",
        queryset=FloatGroup.objects.order_by("code"), empty_label=gettext_lazy("None"),
    )  # fmt: skip
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = _category_field(_("Every category"))
        self.fields["item_type"] = _item_type_field(_("Every item type"))
        for term in WHOLE_TERMS:
            self.fields[term] = forms.IntegerField(label=TERM_LABELS[term], required=False)
        for term in MONEY_TERMS:
            self.fields[term] = forms.DecimalField(label=TERM_LABELS[term], required=False,
                                                   max_digits=8, decimal_places=2)  # fmt: skip
        self.order_fields([*WHERE_FIELDS, *TERM_LABELS, "note"])

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip()
        if not code:
            return None
        try:
            return unit_get(code)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def where_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in WHERE_FIELDS]

    def term_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in TERM_LABELS]

    def rule_data(self) -> RuleData:
        return RuleData(**self.cleaned_data)

    def show_error(self, error: DomainError) -> None:
        """A service's refusal: on the term it names, else over the whole form."""
        term = error.details.get("term")
        self.add_error(term if term in self.fields else None, error.message)

    @classmethod
    def for_rule(cls, rule: LoanRule) -> RuleForm:
        initial = {name: getattr(rule, name) for name in (*WHOLE_TERMS, *MONEY_TERMS)}
        initial.update(
            name=rule.name, unit=rule.unit.code if rule.unit_id else "", note=rule.note,
            category=rule.category.code if rule.category_id else "", item_type=rule.item_type,
            loanable={True: "yes", False: "no"}.get(rule.loanable, ""),
            return_to=rule.return_to,
            float_group=rule.float_group.code if rule.float_group_id else "",
        )  # fmt: skip
        return cls(initial=initial)


class ExplainForm(forms.Form):
    """Which rule applies: at a unit, to a card (or a category), for a copy (or an item type)."""

    unit = forms.CharField(label=gettext_lazy("Unit code"), max_length=40)
    card = forms.CharField(label=gettext_lazy("Reader's card number"), max_length=20,
                           required=False)  # fmt: skip
    item = forms.CharField(label=gettext_lazy("Copy barcode"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = _category_field(_("Any (only rules for every category)"))
        self.fields["item_type"] = _item_type_field(_("Any (only rules for every type)"))
        self.fields["category"].help_text = _("Used when no card number is given.")
        self.fields["item_type"].help_text = _("Used when no barcode is given.")
        self.order_fields(["unit", "card", "category", "item", "item_type"])

    def question(self) -> dict:
        data = self.cleaned_data
        category = data.get("category")
        return {
            "unit_code": data["unit"], "card_number": data["card"],
            "category_code": category.code if category else "",
            "item_barcode": data["item"], "item_type": data["item_type"],
        }  # fmt: skip
