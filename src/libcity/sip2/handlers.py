"""One handler per SIP2 message. Each reads what the kiosk sent, calls the same flows as the
desk (``desk.services``, ``desk.kiosk``) as the terminal's machine user at the terminal's
unit, and says what happened in the message's response. A refusal of the library's rules is
an answer (``ok`` 0 and the reason on the screen), never a dropped connection.

Handlers run in the server's worker threads (they touch the database); the connection's
state (``Session``) is theirs while they run: a connection sends one message at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import override

from libcity.catalogue.models import Item
from libcity.circulation.models import Loan, LoanStatus
from libcity.circulation.policies import rule_for
from libcity.core.exceptions import DomainError, InvalidInput
from libcity.desk.kiosk import (
    kiosk_card_enable,
    kiosk_card_keep,
    kiosk_checkout_cancel,
    kiosk_hold_cancel,
    kiosk_hold_place,
    kiosk_pay,
    kiosk_renew,
    kiosk_renew_all,
)
from libcity.desk.selectors import DeskReader, desk_reader
from libcity.desk.services import desk_checkout, desk_return
from libcity.holds.models import HoldStatus
from libcity.holds.policies import hold_policy
from libcity.holds.selectors import reader_holds, record_waiting_counts
from libcity.logistics.services import HOLD_SHELF, SHELVE, TRANSIT
from libcity.network.models import Unit
from libcity.readers.models import BlockReason
from libcity.selfservice.models import Terminal
from libcity.selfservice.services import sort_bin_for, terminal_authenticate, terminal_seen
from libcity.selfservice.services.gates import masked_name
from libcity.sip2.answers import (
    CIRCULATION_STATUS,
    DEFAULT_LANGUAGE_CODE,
    LANGUAGES,
    MEDIA_TYPE,
    SUPPORTED_MESSAGES,
    Answer,
    count,
    day_stamp,
    now_stamp,
)
from libcity.sip2.protocol import Request, yn

log = logging.getLogger(__name__)
CURRENCY = "CNY"
PROTOCOL_VERSION = "2.00"


@dataclass
class Session:
    """One connection: who signed in, and what was last answered (for 97)."""

    peer: str = ""
    terminal: Terminal | None = None
    last_answer: bytes | None = None
    patrons: set[str] = field(default_factory=set)  # cards seen in this session
    waited_ms: float = 0.0  # the last message: waiting for a worker, then at work
    worked_ms: float = 0.0

    @property
    def unit_code(self) -> str:
        return self.terminal.unit.code if self.terminal else ""

    @property
    def actor(self):
        return self.terminal.user if self.terminal else None

    @property
    def institution(self) -> str:
        if self.terminal is None:
            return ""
        return self.terminal.institution or self.terminal.unit.code


Handler = Callable[[Session, Request], Answer]
HANDLERS: dict[str, Handler] = {}
#: The response code of each request, for answers made without a handler (a refusal of a
#: malformed message, "sign in first").
RESPONSE_OF = {
    "93": "94", "99": "98", "11": "12", "09": "10", "63": "64", "23": "24", "17": "18",
    "29": "30", "65": "66", "15": "16", "35": "36", "37": "38", "19": "20", "01": "24",
    "25": "26",
}  # fmt: skip
#: Messages answered before the terminal signs in (99 only where its account allows).
BEFORE_LOGIN = {"93", "99"}


def handles(code: str):
    def register(handler: Handler) -> Handler:
        HANDLERS[code] = handler
        return handler

    return register


def answer(session: Session, request: Request) -> Answer:
    """The answer to ``request``: its handler's, in the kiosk's language; a rule's refusal
    is the message's "not done" answer with the reason."""
    handler = HANDLERS[request.code]
    with override(_language(request)):
        try:
            return handler(session, request)
        except DomainError as refusal:
            return refused(session, request.code, refusal.message, request)


def refused(session: Session, code: str, message: str, request: Request | None = None) -> Answer:
    """The "not done" answer of message ``code`` with ``message`` on the screen; the card
    and the copy are those the kiosk sent."""
    reply = REFUSALS[RESPONSE_OF[code]](session)
    if request is not None:
        sent = {"AA": request.get("AA"), "AB": request.get("AB")}
        reply.fields = [(fid, sent.get(fid) or value) for fid, value in reply.fields]
    return reply.screen(message)


def _language(request: Request) -> str:
    code = request.fixed.get("language", "") if request.fixed else ""
    return LANGUAGES.get(code, LANGUAGES[DEFAULT_LANGUAGE_CODE])


# --- sign-in and status -----------------------------------------------------------------


@handles("93")
def login(session: Session, request: Request) -> Answer:
    terminal = terminal_authenticate(request.get("CN"), request.get("CO"))
    if terminal is None:
        log.info("SIP2 sign-in refused for %r from %s", request.get("CN"), session.peer)
        return Answer("94", ["0"])
    session.terminal = terminal
    terminal_seen(terminal, address=session.peer)
    return Answer("94", ["1"])


@handles("99")
def sc_status(session: Session, request: Request) -> Answer:
    online = session.terminal is not None
    fixed = [yn(online), yn(online), yn(online), "Y", "N", "N", "030", "003", now_stamp(),
             PROTOCOL_VERSION]  # fmt: skip
    reply = Answer("98", fixed).add("AO", session.institution)
    if session.terminal is not None:
        reply.add("AM", session.terminal.unit.name()).add("BX", SUPPORTED_MESSAGES)
        reply.add("AN", session.terminal.name or session.terminal.login)
    else:
        reply.add("BX", SUPPORTED_MESSAGES).screen(_("Sign in first (message 93)."))
    return reply


# --- lending and returns ------------------------------------------------------------------


@handles("11")
def checkout(session: Session, request: Request) -> Answer:
    card, barcode = request.get("AA"), request.get("AB")
    if request.get("BI") == "Y":
        return _checkout_cancelled(session, card, barcode)
    loan = desk_checkout(item_barcode=barcode, card_number=card, unit_code=session.unit_code,
                         actor=session.actor)  # fmt: skip
    return _lent("12", session, card, loan, _("Borrowed. Due back on %(day)s."))


def _lent(code: str, session: Session, card: str, loan: Loan, words: str) -> Answer:
    item = loan.item
    reply = Answer(code, ["1", "Y", "N", "Y", now_stamp()])
    reply.add("AO", session.institution).add("AA", card).add("AB", item.barcode)
    reply.add("AJ", item.record.title).add("AH", day_stamp(loan.due_on))
    reply.add("CK", MEDIA_TYPE.get(item.item_type, "000")).add("BK", str(loan.pk))
    return reply.screen(words % {"day": loan.due_on.isoformat()})


def _checkout_cancelled(session: Session, card: str, barcode: str) -> Answer:
    """A kiosk undoing its own checkout (the copy did not leave): the copy is returned."""
    item = kiosk_checkout_cancel(card_number=card, item_barcode=barcode,
                                 unit_code=session.unit_code, actor=session.actor)  # fmt: skip
    reply = Answer("12", ["1", "N", "N", "N", now_stamp()])
    reply.add("AO", session.institution).add("AA", card).add("AB", item.barcode)
    reply.add("AJ", item.record.title).add("AH", "")
    return reply.screen(_("The loan was cancelled."))


@handles("09")
def checkin(session: Session, request: Request) -> Answer:
    returned = desk_return(item_barcode=request.get("AB"), unit_code=session.unit_code,
                           actor=session.actor)  # fmt: skip
    item, route = returned.item, returned.route
    item = Item.objects.select_related("record", "owner").get(pk=item.pk)
    alert = route.action != SHELVE
    reply = Answer("10", ["1", "Y", "N", yn(alert), now_stamp()])
    reply.add("AO", session.institution).add("AB", item.barcode).add("AQ", item.owner.code)
    reply.add("AJ", item.record.title).add("CK", MEDIA_TYPE.get(item.item_type, "000"))
    destination = route.destination.pk if route.destination else None
    bin = sort_bin_for(session.terminal, route.action, destination)
    reply.add("CL", bin or None)
    if route.action == TRANSIT:
        reply.add("CT", route.destination.code)
    if alert:
        reply.add("CV", _alert_type(route))
    if route.hold is not None and route.hold.reader_id:
        reader = route.hold.reader
        reply.add("CY", reader.card_number).add("DA", masked_name(reader.name))
    words = [route.message]
    if returned.fine:
        words.append(_("A fine of %(fine)s yuan is due.") % {"fine": returned.fine})
    return reply.screen(*words)


def _alert_type(route) -> str:
    """CV: 01 hold here, 02 hold at another library, 04 send to another library."""
    if route.action == HOLD_SHELF:
        return "01"
    return "02" if route.hold is not None else "04"


# --- patrons ------------------------------------------------------------------------------


@dataclass
class Patron:
    """What the patron messages say about a card: ``desk`` None when the card does not
    lend (unknown, lost, replaced)."""

    card: str
    desk: DeskReader | None
    password_ok: bool | None  # None: no password sent

    @property
    def valid(self) -> bool:
        return self.desk is not None

    @cached_property
    def limit(self) -> int:
        """The most loans the card may have (the rule for books at the machine's unit)."""
        reader = self.desk.reader
        rule = rule_for(unit=self.desk.unit, category_id=reader.category_id, item_type="book")
        return rule.terms.max_items


def _patron(session: Session, request: Request) -> Patron:
    card = request.get("AA")
    try:
        desk = desk_reader(card_number=card, unit_code=session.unit_code, actor=session.actor)
    except DomainError:
        return Patron(card, None, None)
    password = request.get("AD")
    checked = None
    if password:
        user = desk.reader.user
        checked = bool(user is not None and user.check_password(password))
    return Patron(card, desk, checked)


def _status_flags(patron: Patron) -> str:
    """The 14 positions of "patron status": Y where a privilege is denied."""
    flags = [" "] * 14
    if patron.desk is None:
        return "Y" * 4 + " " * 10
    reasons = {block.reason for block in patron.desk.blocks}
    if reasons:
        flags[0] = flags[1] = flags[3] = "Y"
    flags[4] = "Y" if BlockReason.LOST_CARD in reasons else " "
    flags[5] = "Y" if len(patron.desk.loans) >= patron.limit else " "
    flags[6] = "Y" if BlockReason.OVERDUE in reasons else " "
    flags[10] = "Y" if BlockReason.FINES in reasons else " "
    return "".join(flags)


def _patron_fields(reply: Answer, session: Session, patron: Patron) -> Answer:
    reply.add("AO", session.institution).add("AA", patron.card)
    reply.add("AE", masked_name(patron.desk.reader.name) if patron.valid else "")
    reply.add("BL", yn(patron.valid))
    if patron.password_ok is not None:
        reply.add("CQ", yn(patron.password_ok))
    return reply


def _fees(reply: Answer, patron: Patron) -> Answer:
    total = patron.desk.charges_total if patron.valid else Decimal("0.00")
    return reply.add("BH", CURRENCY).add("BV", f"{total:.2f}")


def _language_code(request: Request) -> str:
    code = request.fixed.get("language", "") if request.fixed else ""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE_CODE


@handles("23")
def patron_status(session: Session, request: Request) -> Answer:
    patron = _patron(session, request)
    reply = Answer("24", [_status_flags(patron), _language_code(request), now_stamp()])
    _patron_fields(reply, session, patron)
    _fees(reply, patron)
    return reply.screen(_patron_words(patron))


def _patron_words(patron: Patron) -> str:
    if not patron.valid:
        return _("This card is not known, or does not lend.")
    if patron.desk.blocks:
        return _("This card may not borrow now: please see a librarian.")
    return ""


@handles("63")
def patron_information(session: Session, request: Request) -> Answer:
    patron = _patron(session, request)
    lists = _patron_lists(patron)
    counts = [count(len(lists[key])) for key in ("AS", "AT", "AU", "AV", "BU", "CD")]
    fixed = [_status_flags(patron), _language_code(request), now_stamp(), *counts]
    reply = _patron_fields(Answer("64", fixed), session, patron)
    if patron.valid:
        reply.add("BZ", count(hold_policy().max_active_holds)).add("CB", count(patron.limit))
    _fees(reply, patron)
    chosen = _summary_list(request.fixed.get("summary", "") if request.fixed else "")
    if chosen:
        start, end = _range(request.get("BP"), request.get("BQ"), len(lists[chosen]))
        for value in lists[chosen][start:end]:
            reply.add(chosen, value)
    return reply.screen(_patron_words(patron))


def _patron_lists(patron: Patron) -> dict[str, list[str]]:
    """The lists of 64 by field: hold items available (AS), overdue (AT), charged (AU),
    fine items (AV), recalls (BU), holds not yet available (CD)."""
    lists: dict[str, list[str]] = {key: [] for key in ("AS", "AT", "AU", "AV", "BU", "CD")}
    if not patron.valid:
        return lists
    for loan in patron.desk.loans:
        lists["AU"].append(loan.item.barcode)
        if loan.status == LoanStatus.OVERDUE:
            lists["AT"].append(loan.item.barcode)
    for charge in patron.desk.charges:
        lists["AV"].append(f"{charge.amount:.2f} {charge.get_kind_display()}")
    for hold in reader_holds(patron.desk.reader):
        key = "AS" if hold.status == HoldStatus.READY else "CD"
        lists[key].append(hold.record.title)
    return lists


def _summary_list(summary: str) -> str:
    """The one list the summary field asks for (the first Y), or ""."""
    keys = ("AS", "AT", "AU", "AV", "BU", "CD")
    position = summary.find("Y")
    return keys[position] if 0 <= position < len(keys) else ""


def _range(start: str, end: str, size: int) -> tuple[int, int]:
    """BP/BQ are 1-based and inclusive; absent or bad: the whole list."""
    first = int(start) if start.isdigit() and int(start) > 0 else 1
    last = int(end) if end.isdigit() and int(end) >= first else size
    return first - 1, min(last, size)


@handles("35")
def end_session(session: Session, request: Request) -> Answer:
    reply = Answer("36", ["Y", now_stamp()])
    reply.add("AO", session.institution).add("AA", request.get("AA"))
    return reply.screen(_("Goodbye."))


@handles("01")
def block_patron(session: Session, request: Request) -> Answer:
    card = request.get("AA")
    retained = (request.fixed.get("card_retained", "N") if request.fixed else "N") == "Y"
    note = request.get("AL") or (_("card kept by the machine") if retained else "")
    kiosk_card_keep(card_number=card, note=note, unit_code=session.unit_code,
                    actor=session.actor)  # fmt: skip
    return patron_status(session, request)


@handles("25")
def patron_enable(session: Session, request: Request) -> Answer:
    kiosk_card_enable(card_number=request.get("AA"), unit_code=session.unit_code,
                      actor=session.actor)  # fmt: skip
    patron = _patron(session, request)
    reply = Answer("26", [_status_flags(patron), _language_code(request), now_stamp()])
    return _patron_fields(reply, session, patron).screen(_patron_words(patron))


# --- items --------------------------------------------------------------------------------


@handles("17")
def item_information(session: Session, request: Request) -> Answer:
    barcode = request.get("AB")
    item = Item.objects.select_related("record", "owner", "location").filter(
        barcode=barcode.strip()
    ).first()  # fmt: skip
    if item is None:
        reply = Answer("18", ["01", "00", "01", now_stamp()]).add("AB", barcode).add("AJ", "")
        return reply.screen(_("There is no copy with this barcode."))
    reply = Answer("18", [CIRCULATION_STATUS.get(item.status, "01"), "00", "01", now_stamp()])
    reply.add("CF", count(_queue(item)))
    loan = Loan.objects.filter(item=item, status__in=_OUT).only("due_on").first()
    reply.add("AH", day_stamp(loan.due_on) if loan else None)
    reply.add("AB", item.barcode).add("AJ", item.record.title).add("BG", item.owner.code)
    reply.add("CK", MEDIA_TYPE.get(item.item_type, "000")).add("AQ", item.owner.code)
    return reply.add("AP", item.location.code if item.location_id else None)


_OUT = (LoanStatus.ON_LOAN, LoanStatus.RENEWED, LoanStatus.OVERDUE)


def _queue(item: Item) -> int:
    return record_waiting_counts([item.record_id]).get(item.record_id, 0)


@handles("19")
def item_status_update(session: Session, request: Request) -> Answer:
    """Item properties (CH) are not kept here: the catalogue describes the copy."""
    barcode = request.get("AB")
    item = Item.objects.select_related("record").filter(barcode=barcode.strip()).first()
    reply = Answer("20", ["0", now_stamp()]).add("AB", barcode)
    reply.add("AJ", item.record.title if item else "")
    return reply.screen(_("Item properties are kept in the catalogue, not by the machine."))


@handles("29")
def renew(session: Session, request: Request) -> Answer:
    card = request.get("AA")
    loan = kiosk_renew(card_number=card, item_barcode=request.get("AB"),
                       unit_code=session.unit_code, actor=session.actor)  # fmt: skip
    loan = Loan.objects.select_related("item__record").get(pk=loan.pk)
    return _lent("30", session, card, loan, _("Renewed. Due back on %(day)s."))


@handles("65")
def renew_all(session: Session, request: Request) -> Answer:
    done = kiosk_renew_all(card_number=request.get("AA"), unit_code=session.unit_code,
                           actor=session.actor)  # fmt: skip
    fixed = ["1", count(len(done.renewed)), count(len(done.refused)), now_stamp()]
    reply = Answer("66", fixed).add("AO", session.institution)
    for loan in done.renewed:
        reply.add("BM", loan.item.barcode)
    for loan, _refusal in done.refused:
        reply.add("BN", loan.item.barcode)
    words = _("%(renewed)d renewed, %(refused)d could not be renewed.")
    return reply.screen(words % {"renewed": len(done.renewed), "refused": len(done.refused)})


# --- holds and money ----------------------------------------------------------------------


@handles("15")
def hold(session: Session, request: Request) -> Answer:
    mode = request.fixed.get("hold_mode", "+") if request.fixed else "+"
    card, barcode = request.get("AA"), request.get("AB")
    if not barcode:
        raise InvalidInput(_("Scan a copy of the title to hold."))
    if mode == "-":
        placed = kiosk_hold_cancel(card_number=card, item_barcode=barcode,
                                   unit_code=session.unit_code, actor=session.actor)  # fmt: skip
        words = _("The hold is cancelled.")
    elif mode == "+":
        pickup = _pickup(request.get("BS"))
        placed = kiosk_hold_place(card_number=card, item_barcode=barcode, pickup=pickup,
                                  unit_code=session.unit_code, actor=session.actor)  # fmt: skip
        words = _("The hold is placed.")
    else:
        raise InvalidInput(_("Changing a hold is done at the desk or online."))
    available = placed.status == HoldStatus.READY
    reply = Answer("16", ["1", yn(available), now_stamp()])
    reply.add("BS", placed.pickup_unit.code).add("AO", session.institution)
    reply.add("AA", card).add("AB", barcode).add("AJ", placed.record.title)
    return reply.screen(words)


def _pickup(code: str) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code.strip(), is_active=True).first()
    if unit is None:
        raise InvalidInput(_("There is no pickup point %(code)s.") % {"code": code})
    return unit


@handles("37")
def fee_paid(session: Session, request: Request) -> Answer:
    card = request.get("AA")
    charge_id = request.get("CG")
    paid = kiosk_pay(card_number=card, amount=request.get("BV"), unit_code=session.unit_code,
                     actor=session.actor,
                     charge_id=int(charge_id) if charge_id.isdigit() else None)  # fmt: skip
    reply = Answer("38", ["Y", now_stamp()]).add("AO", session.institution).add("AA", card)
    reply.add("BK", request.get("BK") or None)
    total = sum((c.amount for c in paid), Decimal("0.00"))
    return reply.screen(_("Paid: %(amount)s yuan. Thank you.") % {"amount": f"{total:.2f}"})


# --- the "not done" answers ---------------------------------------------------------------


def _refused_patron(code: str) -> Callable[[Session], Answer]:
    def make(session: Session) -> Answer:
        fixed = ["Y" * 4 + " " * 10, DEFAULT_LANGUAGE_CODE, now_stamp()]
        if code == "64":
            fixed += [count(0)] * 6
        return Answer(code, fixed).add("AO", session.institution).add("AA", "").add("AE", "")

    return make


REFUSALS: dict[str, Callable[[Session], Answer]] = {
    "94": lambda session: Answer("94", ["0"]),
    "98": lambda session: Answer(
        "98", ["N", "N", "N", "N", "N", "N", "030", "003", now_stamp(), PROTOCOL_VERSION]
    ).add("AO", session.institution).add("BX", SUPPORTED_MESSAGES),
    "12": lambda session: Answer("12", ["0", "N", "U", "N", now_stamp()])
    .add("AO", session.institution).add("AA", "").add("AB", "").add("AJ", "").add("AH", ""),
    "10": lambda session: Answer("10", ["0", "N", "U", "N", now_stamp()])
    .add("AO", session.institution).add("AB", "").add("AQ", ""),
    "24": _refused_patron("24"),
    "64": _refused_patron("64"),
    "26": _refused_patron("26"),
    "18": lambda session: Answer("18", ["01", "00", "01", now_stamp()]).add("AB", "").add("AJ", ""),
    "30": lambda session: Answer("30", ["0", "N", "U", "N", now_stamp()])
    .add("AO", session.institution).add("AA", "").add("AB", "").add("AJ", "").add("AH", ""),
    "66": lambda session: Answer("66", ["0", count(0), count(0), now_stamp()])
    .add("AO", session.institution),
    "16": lambda session: Answer("16", ["0", "N", now_stamp()])
    .add("AO", session.institution).add("AA", ""),
    "36": lambda session: Answer("36", ["N", now_stamp()])
    .add("AO", session.institution).add("AA", ""),
    "38": lambda session: Answer("38", ["N", now_stamp()])
    .add("AO", session.institution).add("AA", ""),
    "20": lambda session: Answer("20", ["0", now_stamp()]).add("AB", ""),
}  # fmt: skip
