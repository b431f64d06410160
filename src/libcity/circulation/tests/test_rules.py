"""Which rule applies: inheritance down the tree, specificity, term-by-term sources, editing."""

from decimal import Decimal

import pytest

from libcity.circulation.exceptions import InvalidRule
from libcity.circulation.models import CirculationHistory, FloatGroup, LoanRule
from libcity.circulation.policies import DEFAULT_TERMS, rule_for
from libcity.circulation.services import RuleData, rule_deactivate, rule_save
from libcity.core.exceptions import Conflict
from libcity.readers.models import ReaderCategory
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role


def terms(unit, item_type="book", category=None):
    category_id = ReaderCategory.objects.get(code=category).pk if category else None
    return rule_for(unit=unit, category_id=category_id, item_type=item_type)


def source(answer, term):
    found = next(s for s in answer.sources if s.term == term)
    return found.rule.name if found.rule else None


def test_the_seeded_city_rule_gives_guangzhous_terms_everywhere(tiny_city):
    answer = terms(tiny_city.r1)
    assert (answer.terms.loan_days, answer.terms.max_items, answer.terms.renewals) == (31, 30, 1)
    assert answer.terms.return_to == "any"
    assert source(answer, "loan_days") == "全市默认（广州）"


def test_foreign_periodical_and_audio_visual_go_back_to_the_owner(tiny_city):
    for item_type in ("foreign", "periodical", "audio_visual"):
        answer = terms(tiny_city.b2, item_type)
        assert answer.terms.return_to == "owner", item_type
        assert answer.terms.loan_days == 31  # the other terms still from the city rule
    assert terms(tiny_city.b2, "reference").terms.loanable is False


def test_a_unit_rule_holds_below_it_and_not_beside_it(tiny_city):
    rule_save(data=RuleData(name="d1 short", unit=tiny_city.d1, loan_days=14), actor=None)
    assert terms(tiny_city.r1).terms.loan_days == 14  # d1 → b1 → r1 inherits
    assert source(terms(tiny_city.r1), "loan_days") == "d1 short"
    assert terms(tiny_city.b2).terms.loan_days == 31  # d2's side keeps the city's


def test_a_nearer_unit_beats_a_farther_one_whatever_else_they_name(tiny_city):
    rule_save(data=RuleData(name="d1 children", unit=tiny_city.d1,
                            category=ReaderCategory.objects.get(code="child"), item_type="book",
                            loan_days=21), actor=None)  # fmt: skip
    rule_save(data=RuleData(name="b1 all", unit=tiny_city.b1, loan_days=10), actor=None)
    answer = terms(tiny_city.b1, "book", "child")
    assert answer.terms.loan_days == 10
    assert [r.name for r in answer.candidates][:2] == ["b1 all", "d1 children"]


def test_at_one_unit_the_category_beats_the_item_type(tiny_city):
    rule_save(data=RuleData(name="b1 av", unit=tiny_city.b1, item_type="audio_visual",
                            loan_days=7), actor=None)  # fmt: skip
    rule_save(data=RuleData(name="b1 seniors", unit=tiny_city.b1,
                            category=ReaderCategory.objects.get(code="senior"), loan_days=45),
              actor=None)  # fmt: skip
    assert terms(tiny_city.b1, "audio_visual", "senior").terms.loan_days == 45
    assert terms(tiny_city.b1, "audio_visual", "adult").terms.loan_days == 7


def test_a_branch_rule_keeps_the_citys_return_rule_for_foreign_books(tiny_city):
    """Terms are inherited one by one: shortening the loan does not drop where it goes back."""
    rule_save(data=RuleData(name="b1 short", unit=tiny_city.b1, loan_days=14), actor=None)
    answer = terms(tiny_city.b1, "foreign")
    assert answer.terms.loan_days == 14 and answer.terms.return_to == "owner"
    assert source(answer, "loan_days") == "b1 short"
    assert source(answer, "return_to") == "外文图书还回所属馆"


def test_without_any_rule_the_built_in_defaults_answer(tiny_city):
    LoanRule.objects.update(is_active=False)
    answer = terms(tiny_city.b1)
    assert answer.terms == DEFAULT_TERMS and source(answer, "loan_days") is None


def test_a_float_group_rule_names_its_group(tiny_city):
    group = FloatGroup.objects.create(code="east", name="East")
    group.units.add(tiny_city.b1, tiny_city.b2)
    with pytest.raises(InvalidRule, match="float group"):
        rule_save(data=RuleData(name="float", unit=tiny_city.d1, return_to="float"), actor=None)
    rule_save(data=RuleData(name="float", unit=tiny_city.d1, return_to="float",
                            float_group=group), actor=None)  # fmt: skip
    answer = terms(tiny_city.b1)
    assert (answer.terms.return_to, answer.terms.float_group) == ("float", "east")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"loan_days": 0}, "loan_days is a whole number from 1"),
        ({"max_items": 999}, "max_items is a whole number"),
        ({"renewals": True}, "renewals is a whole number"),
        ({"fine_per_day": "abc"}, "fine_per_day is an amount"),
        ({"fine_max": Decimal("-1")}, "fine_max is an amount"),
        ({"item_type": "spaceship"}, "Unknown item type"),
        ({"return_to": "moon"}, "Unknown return rule"),
        ({"name": " "}, "needs a name"),
    ],
)
def test_a_rule_with_a_wrong_term_is_refused_and_nothing_is_saved(tiny_city, changes, words):
    before = LoanRule.objects.count()
    data = RuleData(name="x", unit=tiny_city.b1)
    for key, value in changes.items():
        setattr(data, key, value)
    with pytest.raises(InvalidRule, match=words):
        rule_save(data=data, actor=None)
    assert LoanRule.objects.count() == before


def test_one_active_rule_per_cell_then_edit_and_deactivate(tiny_city):
    first = rule_save(data=RuleData(name="b1", unit=tiny_city.b1, loan_days=20), actor=None)
    with pytest.raises(Conflict) as refused:
        rule_save(data=RuleData(name="b1 again", unit=tiny_city.b1, loan_days=10), actor=None)
    assert refused.value.code == "rule_exists"
    with pytest.raises(Conflict):  # the city cell is taken by the seeded rule (NULLs count)
        rule_save(data=RuleData(name="another city rule", loan_days=10), actor=None)
    edited = rule_save(rule=first, data=RuleData(name="b1", unit=tiny_city.b1, loan_days=25),
                       actor=None)  # fmt: skip
    assert edited.loan_days == 25
    rule_deactivate(rule=edited, actor=None)
    rule_save(data=RuleData(name="b1 new", unit=tiny_city.b1, loan_days=10), actor=None)
    actions = list(CirculationHistory.objects.values_list("action", flat=True))
    assert actions == ["rule_saved", "rule_saved", "rule_deactivated", "rule_saved"]
    changed = CirculationHistory.objects.filter(action="rule_saved")[1].details["changed"]
    assert changed == ["loan_days"]


def test_rules_are_edited_within_scope_only(tiny_city, make_staff):
    manager = make_staff("mgr", Role.BRANCH_MANAGER, tiny_city.b1)
    desk = make_staff("desk", Role.DESK, tiny_city.b1)
    rule_save(data=RuleData(name="b1", unit=tiny_city.r1, loan_days=20), actor=manager)
    with pytest.raises(NotAllowed):
        rule_save(data=RuleData(name="b2", unit=tiny_city.b2, loan_days=20), actor=manager)
    with pytest.raises(NotAllowed):
        rule_save(data=RuleData(name="city", item_type="book", loan_days=20), actor=manager)
    with pytest.raises(NotAllowed):
        rule_save(data=RuleData(name="b1 desk", unit=tiny_city.b1, loan_days=20), actor=desk)
    admin = make_staff("admin", Role.NETWORK_ADMIN, tiny_city.central)
    rule_save(data=RuleData(name="city books", item_type="book", loan_days=28), actor=admin)


def test_a_rule_book_answers_as_rule_for_does_everywhere(library, django_assert_max_num_queries):
    """The rules read once give the same terms as one query each, for every unit, reader
    category and item type of the tiny city, with rules at several levels."""
    from libcity.catalogue.models import ItemType
    from libcity.circulation.policies import RuleBook, rule_for
    from libcity.network.models import Unit
    from libcity.readers.models import ReaderCategory

    city = library.city
    child = ReaderCategory.objects.get(code="child")
    rule_save(data=RuleData(name="d1 short", unit=city.d1, loan_days=14), actor=None)
    rule_save(data=RuleData(name="b1 children AV", unit=city.b1, category=child,
                            item_type="audio_visual", loanable=False), actor=None)  # fmt: skip
    rule_save(data=RuleData(name="children", category=child, max_items=10), actor=None)
    book = RuleBook()
    categories = [None, *ReaderCategory.objects.values_list("pk", flat=True)]
    units = list(Unit.objects.all())
    with django_assert_max_num_queries(0):
        for unit in units:
            for category in categories:
                for item_type in ItemType.values:
                    book.terms(unit=unit, category_id=category, item_type=item_type)
    for unit in units:
        for category in categories:
            for item_type in ItemType.values:
                expected = rule_for(unit=unit, category_id=category, item_type=item_type).terms
                asked = {"unit": unit, "category_id": category, "item_type": item_type}
                assert RuleBook().loanable(**asked) == expected.loanable
                assert book.terms(**asked) == expected
