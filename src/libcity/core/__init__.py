"""The ground floor: domain errors, the clock, identifiers and the history base every app shares."""
