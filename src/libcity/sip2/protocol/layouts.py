"""The SIP2 2.00 messages as data: code, direction, fixed-length fields (name, width, the shape
a value has) and the identified fields the spec lists for each message.

Widths follow the 3M SIP2 2.00 specification and agree with pysip2's models and the recorded
conversations in ``shared/data/sip2``. Field names are pysip2's, so a test can compare them.
The patterns are only used to line up a fixed part that a terminal sent short of spaces
(see ``reading``); a value that does not match its pattern is still accepted at full width.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REQUEST = "request"  # SC -> ACS (kiosk, sorter -> our server)
RESPONSE = "response"  # ACS -> SC

# Shapes of fixed values.
DATE = r"[0-9]{8}[A-Z ]{4}[0-9]{6}"  # YYYYMMDDZZZZHHMMSS
OPTIONAL_DATE = DATE + "| {18}"  # all blank when not given (nb due date, return date)
YN = "[YN]"
YNU = "[YNU]"
OK = "[01]"
ANY = "."
LANGUAGE = "[0-9]{3}"
DIGITS2 = "[0-9]{2}"
DIGITS3 = "[0-9]{3}"
DIGITS4 = "[0-9]{4}"
COUNT = "[0-9]{4}| {4}"  # "    " is "unknown"
CURRENCY = "[A-Z ]{3}"
PATRON_STATUS = "[Y ]{14}"
SUMMARY = "[Y ]{10}"
PROTOCOL_VERSION = "[0-9][.][0-9][0-9A-Z]"  # "2.00"; "2.0E" is seen in the wild
STATUS_CODE = "[0-2]"
HOLD_MODE = "[-+*]"


@dataclass(frozen=True)
class FixedField:
    name: str
    width: int
    pattern: str

    def matches(self, value: str) -> bool:
        return _compiled(self.pattern).fullmatch(value) is not None


@dataclass(frozen=True)
class Layout:
    """One message. ``required`` and ``optional`` are identified field ids in spec order;
    ``answer`` is the code of the response a request gets (None for 97/96: resend)."""

    code: str
    name: str
    direction: str
    fixed: tuple[FixedField, ...]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    answer: str | None = None
    field_ids: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_ids", frozenset(self.required + self.optional))

    @property
    def width(self) -> int:
        """Length of the fixed part in characters, without the 2-character code."""
        return sum(f.width for f in self.fixed)

    @property
    def fixed_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fixed)


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern not in _PATTERNS:
        _PATTERNS[pattern] = re.compile(pattern)
    return _PATTERNS[pattern]


def _f(name: str, width: int, pattern: str) -> FixedField:
    return FixedField(name, width, pattern)


def _ids(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TRANSACTION_DATE = _f("transaction_date", 18, DATE)
SCREEN = "AF AG"

_ALL = (
    # Requests (SC -> ACS)
    Layout("93", "login", REQUEST,
           (_f("uid_algorithm", 1, ANY), _f("pwd_algorithm", 1, ANY)),
           _ids("CN CO"), _ids("CP"), answer="94"),
    Layout("99", "sc_status", REQUEST,
           (_f("status_code", 1, STATUS_CODE), _f("max_print_width", 3, DIGITS3),
            _f("protocol_version", 4, PROTOCOL_VERSION)),
           answer="98"),
    Layout("11", "checkout", REQUEST,
           (_f("sc_renewal_policy", 1, YN), _f("no_block", 1, YN), TRANSACTION_DATE,
            _f("nb_due_date", 18, OPTIONAL_DATE)),
           _ids("AO AA AB AC"), _ids("CH AD BO BI"), answer="12"),
    Layout("09", "checkin", REQUEST,
           (_f("no_block", 1, YN), TRANSACTION_DATE, _f("return_date", 18, OPTIONAL_DATE)),
           _ids("AP AO AB AC"), _ids("CH BI"), answer="10"),
    Layout("63", "patron_information", REQUEST,
           (_f("language", 3, LANGUAGE), TRANSACTION_DATE, _f("summary", 10, SUMMARY)),
           _ids("AO AA"), _ids("AC AD BP BQ"), answer="64"),
    Layout("23", "patron_status", REQUEST,
           (_f("language", 3, LANGUAGE), TRANSACTION_DATE),
           _ids("AO AA AC AD"), answer="24"),
    Layout("17", "item_information", REQUEST, (TRANSACTION_DATE,),
           _ids("AO AB"), _ids("AC"), answer="18"),
    Layout("29", "renew", REQUEST,
           (_f("third_party_allowed", 1, YN), _f("no_block", 1, YN), TRANSACTION_DATE,
            _f("nb_due_date", 18, OPTIONAL_DATE)),
           _ids("AO AA"), _ids("AD AB AJ AC CH BO"), answer="30"),
    Layout("65", "renew_all", REQUEST, (TRANSACTION_DATE,),
           _ids("AO AA"), _ids("AD AC BO"), answer="66"),
    Layout("15", "hold", REQUEST, (_f("hold_mode", 1, HOLD_MODE), TRANSACTION_DATE),
           _ids("AO AA"), _ids("BW BS BY AD AB AJ AC BO"), answer="16"),
    Layout("35", "end_patron_session", REQUEST, (TRANSACTION_DATE,),
           _ids("AO AA"), _ids("AC AD"), answer="36"),
    Layout("37", "fee_paid", REQUEST,
           (TRANSACTION_DATE, _f("fee_type", 2, DIGITS2), _f("payment_type", 2, DIGITS2),
            _f("currency_type", 3, CURRENCY)),
           _ids("BV AO AA"), _ids("AC AD CG BK"), answer="38"),
    Layout("19", "item_status_update", REQUEST, (TRANSACTION_DATE,),
           _ids("AO AB CH"), _ids("AC"), answer="20"),
    Layout("01", "block_patron", REQUEST,
           (_f("card_retained", 1, YN), TRANSACTION_DATE),
           _ids("AO AL AA AC"), answer="24"),
    Layout("25", "patron_enable", REQUEST, (TRANSACTION_DATE,),
           _ids("AO AA"), _ids("AC AD"), answer="26"),
    Layout("97", "request_acs_resend", REQUEST, ()),
    # Responses (ACS -> SC)
    Layout("94", "login_response", RESPONSE, (_f("ok", 1, OK),)),
    Layout("98", "acs_status", RESPONSE,
           (_f("online_status", 1, YN), _f("checkin_ok", 1, YN), _f("checkout_ok", 1, YN),
            _f("acs_renewal_policy", 1, YN), _f("status_update_ok", 1, YN),
            _f("offline_ok", 1, YN), _f("timeout_period", 3, DIGITS3),
            _f("retries_allowed", 3, DIGITS3), _f("date_time_sync", 18, DATE),
            _f("protocol_version", 4, PROTOCOL_VERSION)),
           _ids("AO BX"), _ids("AM AN " + SCREEN)),
    Layout("12", "checkout_response", RESPONSE,
           (_f("ok", 1, OK), _f("renewal_ok", 1, YN), _f("magnetic_media", 1, YNU),
            _f("desensitize", 1, YNU), TRANSACTION_DATE),
           _ids("AO AA AB AJ AH"), _ids("BT CI BH BV CK CH BK " + SCREEN)),
    Layout("10", "checkin_response", RESPONSE,
           (_f("ok", 1, OK), _f("resensitize", 1, YN), _f("magnetic_media", 1, YNU),
            _f("alert", 1, YN), TRANSACTION_DATE),
           _ids("AO AB AQ"), _ids("AJ CL AA CK CH " + SCREEN)),
    Layout("64", "patron_information_response", RESPONSE,
           (_f("patron_status", 14, PATRON_STATUS), _f("language", 3, LANGUAGE),
            TRANSACTION_DATE, _f("hold_items_count", 4, COUNT),
            _f("overdue_items_count", 4, COUNT), _f("charged_items_count", 4, COUNT),
            _f("fine_items_count", 4, COUNT), _f("recall_items_count", 4, COUNT),
            _f("unavailable_holds_count", 4, COUNT)),
           _ids("AO AA AE"),
           _ids("BZ CA CB BL CQ BH BV CC AS AT AU AV BU CD BD BE BF " + SCREEN)),
    Layout("24", "patron_status_response", RESPONSE,
           (_f("patron_status", 14, PATRON_STATUS), _f("language", 3, LANGUAGE),
            TRANSACTION_DATE),
           _ids("AO AA AE"), _ids("BL CQ BH BV " + SCREEN)),
    Layout("18", "item_information_response", RESPONSE,
           (_f("circulation_status", 2, DIGITS2), _f("security_marker", 2, DIGITS2),
            _f("fee_type", 2, DIGITS2), TRANSACTION_DATE),
           _ids("AB AJ"), _ids("CF AH CJ CM BG BH BV CK AQ AP CH " + SCREEN)),
    Layout("30", "renew_response", RESPONSE,
           (_f("ok", 1, OK), _f("renewal_ok", 1, YN), _f("magnetic_media", 1, YNU),
            _f("desensitize", 1, YNU), TRANSACTION_DATE),
           _ids("AO AA AB AJ AH"), _ids("BT CI BH BV CK CH BK " + SCREEN)),
    Layout("66", "renew_all_response", RESPONSE,
           (_f("ok", 1, OK), _f("renewed_count", 4, DIGITS4),
            _f("unrenewed_count", 4, DIGITS4), TRANSACTION_DATE),
           _ids("AO"), _ids("BM BN " + SCREEN)),
    Layout("16", "hold_response", RESPONSE,
           (_f("ok", 1, OK), _f("available", 1, YN), TRANSACTION_DATE),
           _ids("AO AA"), _ids("BW BR BS AB AJ " + SCREEN)),
    Layout("36", "end_session_response", RESPONSE,
           (_f("end_session", 1, YN), TRANSACTION_DATE),
           _ids("AO AA"), _ids(SCREEN)),
    Layout("38", "fee_paid_response", RESPONSE,
           (_f("payment_accepted", 1, YN), TRANSACTION_DATE),
           _ids("AO AA"), _ids("BK " + SCREEN)),
    Layout("20", "item_status_update_response", RESPONSE,
           (_f("item_properties_ok", 1, OK), TRANSACTION_DATE),
           _ids("AB"), _ids("AJ CH " + SCREEN)),
    Layout("26", "patron_enable_response", RESPONSE,
           (_f("patron_status", 14, PATRON_STATUS), _f("language", 3, LANGUAGE),
            TRANSACTION_DATE),
           _ids("AO AA AE"), _ids("BL CQ " + SCREEN)),
    Layout("96", "request_sc_resend", RESPONSE, ()),
)  # fmt: skip

LAYOUTS: dict[str, Layout] = {layout.code: layout for layout in _ALL}
"""Every message by its 2-character code, requests and responses."""

NO_SEQUENCE = frozenset({"96", "97"})
"""Messages whose error-detection trailer is AZ alone (no AY): the resend requests."""
