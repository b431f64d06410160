"""Writes of the catalogue: records (create, edit, import with copy cataloguing) and items."""

from libcity.catalogue.services.drift import (
    drift_group_add_unit,
    drift_group_create,
    drift_group_remove_unit,
    item_drift_set,
)
from libcity.catalogue.services.items import item_add, item_mark, item_transition
from libcity.catalogue.services.records import (
    ImportOutcome,
    record_create,
    record_import,
    record_update,
)

__all__ = [
    "ImportOutcome",
    "drift_group_add_unit",
    "drift_group_create",
    "drift_group_remove_unit",
    "item_add",
    "item_drift_set",
    "item_mark",
    "item_transition",
    "record_create",
    "record_import",
    "record_update",
]
