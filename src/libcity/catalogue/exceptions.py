from libcity.core.exceptions import Conflict, DomainError, InvalidInput, NotFoundOrNotAllowed


class RecordNotFound(NotFoundOrNotAllowed):
    code = "record_not_found"


class ItemNotFound(NotFoundOrNotAllowed):
    code = "item_not_found"


class InvalidRecord(InvalidInput):
    code = "invalid_record"


class InvalidItem(InvalidInput):
    code = "invalid_item"


class BarcodeTaken(Conflict):
    code = "barcode_taken"


class TransitionNotAllowed(DomainError):
    """The item state machine has no arrow from the item's status to the one asked for."""

    code = "item_transition_not_allowed"
    status = 409


class DriftGroupNotFound(NotFoundOrNotAllowed):
    code = "drift_group_not_found"


class InvalidDriftGroup(InvalidInput):
    """A drift group without a code, a name or a unit, or with a code already taken."""

    code = "invalid_drift_group"
