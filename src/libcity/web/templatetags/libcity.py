from django import template

register = template.Library()


@register.filter
def unit_name(unit, language: str = "") -> str:
    """A unit's name in the page's language."""
    return unit.name(language)


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when absent)."""
    return mapping.get(key)
