"""Staff pages for the loan rules: the active rules, create, edit and deactivate (the service
checks the rules permission at the rule's unit), and "which rule applies here, and why"."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from libcity.catalogue.models import ItemType
from libcity.circulation.models import LoanRule
from libcity.circulation.selectors import loan_rules
from libcity.circulation.services import rule_deactivate, rule_save
from libcity.core.exceptions import DomainError
from libcity.desk.selectors import RuleExplanation, desk_rule_explain
from libcity.network.models import Unit
from libcity.staff import policies as perms
from libcity.staff.selectors import has_any_scope
from libcity.web.feedback import show_error
from libcity.web.staff.desk import DESK_UNIT
from libcity.web.staff.rule_forms import (
    TERM_LABELS,
    ExplainForm,
    RuleForm,
    category_label,
    term_text,
)
from libcity.web.staff.views import staff_page


@staff_page
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/staff/rules.html", {
        "rows": [_row(rule) for rule in loan_rules()],
        "can_edit": has_any_scope(request.user, perms.CIRCULATION_RULES),
    })  # fmt: skip


@staff_page
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    form = RuleForm(request.POST or None)
    if request.method == "POST" and _saved(request, form, None):
        return redirect("web:staff-rules")
    return render(request, "web/staff/rule_form.html", {"form": form, "rule": None})


@staff_page
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = loan_rules(active_only=False).filter(pk=rule_id).first()
    if rule is None:
        raise Http404(_("There is no such rule."))
    if request.POST.get("action") == "deactivate":
        return _deactivate(request, rule)
    form = RuleForm(request.POST) if request.method == "POST" else RuleForm.for_rule(rule)
    if request.method == "POST" and _saved(request, form, rule):
        return redirect("web:staff-rules")
    return render(request, "web/staff/rule_form.html", {"form": form, "rule": rule})


def _saved(request: HttpRequest, form: RuleForm, rule: LoanRule | None) -> bool:
    if not form.is_valid():
        return False
    try:
        saved = rule_save(data=form.rule_data(), actor=request.user, rule=rule)
    except DomainError as error:
        form.show_error(error)
        return False
    messages.success(request, _("Rule saved: %(name)s.") % {"name": saved.name})
    return True


def _deactivate(request: HttpRequest, rule: LoanRule) -> HttpResponse:
    try:
        rule_deactivate(rule=rule, actor=request.user)
    except DomainError as error:
        show_error(request, error)
        return redirect("web:staff-rule", rule_id=rule.pk)
    messages.success(request, _("Rule deactivated: %(name)s no longer applies.")
                     % {"name": rule.name})  # fmt: skip
    return redirect("web:staff-rules")


@staff_page
def rule_explain(request: HttpRequest) -> HttpResponse:
    asked = "unit" in request.GET
    form = ExplainForm(request.GET if asked else None,
                       initial={"unit": request.session.get(DESK_UNIT, "")})  # fmt: skip
    context: dict = {"form": form}
    if asked and form.is_valid():
        try:
            context.update(_explained(desk_rule_explain(actor=request.user, **form.question())))
        except DomainError as error:
            show_error(request, error, form)
    return render(request, "web/staff/rule_explain.html", context)


# --- the rules in words -------------------------------------------------------------------------


def _row(rule: LoanRule) -> dict:
    return {"rule": rule, "where": _where(rule, None), "who": _who(rule), "what": _what(rule),
            "terms": _terms_set(rule)}  # fmt: skip


def _terms_set(rule: LoanRule) -> list[tuple[str, str]]:
    """(label, value) for each term the rule sets itself; the others it inherits."""
    texts = [(str(name), term_text(term, _value(rule, term))) for term, name in TERM_LABELS.items()]
    return [(name, text) for name, text in texts if text]


def _value(rule: LoanRule, term: str):
    if term == "float_group":
        return rule.float_group.code if rule.float_group_id else None
    return getattr(rule, term)


def _where(rule: LoanRule, here: Unit | None) -> str:
    if rule.unit_id is None:
        return _("The whole city")
    name = rule.unit.name(get_language())
    if here is None:
        return name
    if rule.unit_id == here.pk:
        return _("%(unit)s (this unit)") % {"unit": name}
    return _("%(unit)s (above this unit)") % {"unit": name}


def _who(rule: LoanRule) -> str:
    return category_label(rule.category) if rule.category_id else _("Every reader category")


def _what(rule: LoanRule) -> str:
    return ItemType(rule.item_type).label if rule.item_type else _("Every item type")


def _explained(found: RuleExplanation) -> dict:
    """The answer in words: each term with the rule that set it, and the ranked candidates
    with the terms each one decides here."""
    terms, decided = [], {}
    for source in found.answer.sources:
        label = str(TERM_LABELS[source.term])
        terms.append({"label": label, "value": term_text(source.term, source.value) or "—",
                      "rule": source.rule})  # fmt: skip
        if source.rule is not None:
            decided.setdefault(source.rule.pk, []).append(label)
    candidates = [_candidate(rule, found.unit, decided.get(rule.pk, []))
                  for rule in found.answer.candidates]  # fmt: skip
    return {"question": _question(found), "terms": terms, "candidates": candidates}


def _candidate(rule: LoanRule, here: Unit, decides: list[str]) -> dict:
    return {"rule": rule, "where": _where(rule, here), "who": _who(rule), "what": _what(rule),
            "decides": decides, "sets": _terms_set(rule)}  # fmt: skip


def _question(found: RuleExplanation) -> str:
    category = category_label(found.category) if found.category else ""
    if found.reader is not None:
        who = _("the reader with card %(card)s (%(category)s)") % {
            "card": found.reader.card_number, "category": category}  # fmt: skip
    elif found.category is not None:
        who = _("a reader of the category %(category)s") % {"category": category}
    else:
        who = _("a reader of any category (only rules for every category count)")
    if found.item is not None:
        what = _("copy %(barcode)s (%(type)s)") % {
            "barcode": found.item.barcode, "type": ItemType(found.item_type).label}  # fmt: skip
    elif found.item_type:
        what = _("a copy of the type %(type)s") % {"type": ItemType(found.item_type).label}
    else:
        what = _("a copy of any type (only rules for every type count)")
    return _("At %(unit)s, for %(who)s and %(what)s:") % {
        "unit": found.unit.name(get_language()), "who": who, "what": what}  # fmt: skip
