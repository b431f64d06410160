"""Errors of the network domain. The ``code`` of each is a stable contract for every interface."""

from __future__ import annotations

from libcity.core.exceptions import Conflict, InvalidInput, NotFoundOrNotAllowed


class UnitNotFound(NotFoundOrNotAllowed):
    code = "unit_not_found"


class UnitCodeTaken(Conflict):
    code = "unit_code_taken"


class UnitMoveCycle(InvalidInput):
    """A unit cannot be moved under itself or under one of its own descendants."""

    code = "unit_move_cycle"


class InvalidTimetable(InvalidInput):
    code = "invalid_timetable"


class InvalidUnit(InvalidInput):
    """Bad coordinates, kind or tier, an empty name, a code that is not a slug."""

    code = "invalid_unit"


class InvalidCoordinates(InvalidInput):
    """A point to search from that is not on the Earth (latitude ±90, longitude ±180)."""

    code = "invalid_coordinates"


class OperatorCodeTaken(Conflict):
    code = "operator_code_taken"


class InvalidOperator(InvalidInput):
    code = "invalid_operator"


class InvalidClosedDate(InvalidInput):
    code = "invalid_closed_date"


class InvalidTransportCost(InvalidInput):
    """Same unit at both ends, a negative cost or time, or a cost with more than two decimals."""

    code = "invalid_transport_cost"
