"""The union catalogue: one record per edition for the whole city, its items, MARC in and out."""
