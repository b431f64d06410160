"""Readers: registration, cards, categories, guardians, blocks, credit, consent, history."""
