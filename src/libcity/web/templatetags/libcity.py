from django import template

from libcity.catalogue.labels import clc_top_name, language_name

register = template.Library()


@register.filter
def unit_name(unit, language: str = "") -> str:
    """A unit's name in the page's language."""
    return unit.name(language)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when absent)."""
    return mapping.get(key)


@register.filter
def language_label(code: str, language: str = "") -> str:
    """A MARC language code as its name in the page's language (``chi`` → 中文)."""
    return language_name(code, language or "zh-hans")


@register.filter
def clc_class_label(letter: str) -> str:
    """A CLC top class letter with its name (``I`` → ``I 文学``)."""
    return clc_top_name(letter)
