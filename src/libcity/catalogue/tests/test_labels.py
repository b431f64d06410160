from django.utils import translation

from libcity.catalogue.labels import CLC_TOP_NAMES, clc_top_name, language_name
from libcity.catalogue.policies import CLC_TOP_CLASSES


def test_every_clc_top_class_has_a_name_in_both_languages():
    assert set(CLC_TOP_NAMES) == CLC_TOP_CLASSES
    with translation.override("zh-hans"):
        assert clc_top_name("I") == "I 文学"
        assert all(not str(name).isascii() for name in CLC_TOP_NAMES.values())  # translated
    with translation.override("en"):
        assert clc_top_name("K") == "K History and geography"
    assert clc_top_name("L") == "L"  # not a CLC top class: left as it is


def test_marc_language_codes_are_named_in_the_readers_language():
    assert language_name("chi", "zh-hans") == "中文"
    assert language_name("chi", "en") == "Chinese"
    assert language_name("FRE", "zh-hans") == "法语"  # the bibliographic code, any case
    assert language_name("fra", "en") == "French"  # the terminology code too
    assert language_name("qqq", "en") == "qqq"  # unknown: the code itself
    assert language_name("", "en") == "" and language_name("c h", "en") == "c h"
