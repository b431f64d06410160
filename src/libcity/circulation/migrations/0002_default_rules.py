"""Guangzhou's rules as the starting point every network gets (staff edit them afterwards):
30 items in total, 31 days, one renewal; foreign-language books, periodicals and audio-visual
items go back to their owning library; reference copies are not lent."""

from decimal import Decimal

from django.db import migrations

CITY_DEFAULT = {
    "name": "全市默认（广州）", "loanable": True, "loan_days": 31, "max_items": 30,
    "max_items_of_type": 30, "renewals": 1, "renewal_days": 31, "grace_days": 0,
    "fine_per_day": Decimal("0.00"), "fine_max": Decimal("0.00"), "credit_per_day": 1,
    "return_to": "any", "note": "City-wide default: 30 items, 31 days, one renewal.",
}  # fmt: skip
BY_TYPE = [
    {"item_type": "foreign", "name": "外文图书还回所属馆", "return_to": "owner",
     "note": "Foreign-language books go back to their owning library."},
    {"item_type": "periodical", "name": "期刊还回所属馆", "return_to": "owner",
     "note": "Periodicals go back to their owning library."},
    {"item_type": "audio_visual", "name": "视听资料还回所属馆", "return_to": "owner",
     "note": "Audio-visual items go back to their owning library."},
    {"item_type": "reference", "name": "工具书不外借", "loanable": False,
     "note": "Reference copies are read in the library."},
]  # fmt: skip


def seed(apps, schema_editor):
    LoanRule = apps.get_model("circulation", "LoanRule")
    if LoanRule.objects.exists():
        return
    LoanRule.objects.create(**CITY_DEFAULT)
    for values in BY_TYPE:
        LoanRule.objects.create(**values)


class Migration(migrations.Migration):
    dependencies = [("circulation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
