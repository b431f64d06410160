"""The desk's reads: the reader at the counter, and which rule applies."""

import pytest

from libcity.catalogue.data import RecordData
from libcity.catalogue.services import item_add, record_create
from libcity.circulation.exceptions import InvalidRule
from libcity.circulation.services import RuleData, loan_checkout, rule_save
from libcity.desk.selectors import desk_reader, desk_rule_explain, desk_units
from libcity.readers.exceptions import ReaderNotFound
from libcity.readers.models import ReaderCategory
from libcity.staff.exceptions import NotAllowed
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


def test_a_desk_sees_any_reader_but_only_at_its_own_units(tiny_city, make_staff, make_reader):
    desk = make_staff("desk2", Role.DESK, tiny_city.b2)
    reader = make_reader(tiny_city.b1)  # borrow anywhere: a b1 reader at the b2 desk
    record = record_create(data=RecordData(title="书"))
    copy = item_add(record=record, barcode="C0001", owner=tiny_city.b1, status="available")
    loan_checkout(item=copy, reader=reader, unit=tiny_city.b1, actor=None)
    seen = desk_reader(card_number=reader.card_number, unit_code="b2", actor=desk)
    assert seen.unit == tiny_city.b2 and [loan.item.barcode for loan in seen.loans] == ["C0001"]
    assert seen.blocks == [] and seen.charges == [] and str(seen.charges_total) == "0.00"
    with pytest.raises(NotAllowed):
        desk_reader(card_number=reader.card_number, unit_code="b1", actor=desk)
    with pytest.raises(ReaderNotFound):
        desk_reader(card_number="nope", unit_code="b2", actor=desk)
    assert list(desk_units(desk)) == [tiny_city.b2]


def test_which_rule_applies_takes_the_card_over_the_category(tiny_city, make_staff, make_reader):
    adult = ReaderCategory.objects.get(code="adult")
    rule_save(data=RuleData(name="adults", unit=tiny_city.b1, category=adult, loan_days=14),
              actor=None)  # fmt: skip
    desk = make_staff("desk1", Role.DESK, tiny_city.b1)
    reader = make_reader(tiny_city.b1)
    found = desk_rule_explain(actor=desk, unit_code="r1", card_number=reader.card_number,
                              category_code="child", item_type="book")  # fmt: skip
    assert found.category == adult and found.answer.terms.loan_days == 14
    by_category = desk_rule_explain(actor=desk, unit_code="r1", category_code="child")
    assert by_category.answer.terms.loan_days == 31
    with pytest.raises(InvalidRule):
        desk_rule_explain(actor=desk, unit_code="r1", item_type="scroll")


def test_which_rule_applies_is_for_staff_who_lend_or_set_rules(tiny_city, make_staff):
    cataloguer = make_staff("cat", Role.CATALOGUER, tiny_city.b1)
    with pytest.raises(NotAllowed):
        desk_rule_explain(actor=cataloguer, unit_code="b1")
    with pytest.raises(NotAllowed):
        desk_rule_explain(actor=None, unit_code="b1")
