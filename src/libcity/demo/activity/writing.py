"""Writing the demo year's loans in bulk: what the services would have written, loan by loan, at
each moment, a batch of thousands of loans at a time.

For each ``LoanPlan``: the ``Loan`` row as it stands now; its ``LoanHistory`` (checked out,
renewed, marked overdue, returned); the copy's ``ItemHistory`` (lent, returned and shelved or
sent on, received where it was sent); an overdue ``Charge`` with its ``CirculationHistory`` row
when the rule fines; the reader's credit after each return with its ``ReaderHistory`` row, in
the order the returns happened. After each batch its copies are updated to where their loans
left them; at the end each reader whose credit moved, once. ``tests/small/test_activity.py``
replays a few plans through ``loan_checkout``, ``loan_renew``, ``loans_mark_overdue`` and
``loan_checkin`` and compares every row.

What it leaves out: the notices the daily work would have sent (``Notice``), and search-index
updates (the build reindexes once afterwards).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Max

from libcity.catalogue.models import Item, ItemHistory, ItemStatus
from libcity.circulation.models import (
    Charge,
    ChargeKind,
    ChargeStatus,
    CirculationHistory,
    Loan,
    LoanHistory,
    LoanStatus,
)
from libcity.demo.activity.loans import ARRIVAL_REASON, LoanPlan
from libcity.demo.activity.world import TermsBook
from libcity.readers import policies as reader_policies
from libcity.readers.models import Reader, ReaderHistory

BATCH = 5_000
_IDS_PER_QUERY = 2_000
_CHANGED = "item_status_changed"
#: Text that is a JSON string as it is, between quotes.
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 _.:/+-]*")

LOAN_COLUMNS = (
    "item_id", "reader_id", "reader_category", "reader_home_unit_id", "issued_at_unit_id",
    "returned_at_unit_id", "status", "item_type", "checked_out_at", "due_on", "renewals",
    "ended_at", "terms",
)  # fmt: skip
HISTORY_COLUMNS = ("loan_id", "action", "from_status", "to_status", "unit_id", "at", "details")
ITEM_HISTORY_COLUMNS = ("item_id", "from_status", "to_status", "unit_id", "at", "details")
CHARGE_COLUMNS = ("reader_id", "loan_id", "item_id", "account_id", "amount", "created_at", "note")


@dataclass
class Written:
    loans: int = 0
    loan_history: int = 0
    item_history: int = 0
    charges: int = 0
    credit_changes: int = 0
    items_updated: int = 0
    readers_updated: int = 0


class LoanWriter:
    """``add`` plans in checkout order, then ``finish``."""

    def __init__(self, *, book: TermsBook, batch: int = BATCH,
                 credit: dict[int, int] | None = None) -> None:  # fmt: skip
        """``credit``: the readers' scores before the year, if known (else read)."""
        self.book = book
        self.batch = batch
        self.written = Written()
        self._plans: list[LoanPlan] = []
        self._credit_events: dict[dt.date, list[tuple]] = {}  # back_on → events
        self._credit: dict[int, int] = dict(credit or {})  # reader → score, as returns leave it
        self._changed_readers: set[int] = set()
        self._items: dict[int, tuple[str, int, dt.datetime]] = {}  # copies' state, this batch
        self._seen_day: dt.date | None = None
        self._sequence = 0
        self._moment = datetime_adapter()
        self._json = json_text_adapter()
        self._adapted: dict[int, object] = {}
        self._day = connection.ops.adapt_datefield_value
        self._loans = BulkRows(Loan, LOAN_COLUMNS, {})
        self._history = BulkRows(LoanHistory, HISTORY_COLUMNS, {"actor_id": None})
        self._item_history = BulkRows(ItemHistory, ITEM_HISTORY_COLUMNS,
                                     {"action": _CHANGED, "actor_id": None})  # fmt: skip
        self._charges = BulkRows(Charge, CHARGE_COLUMNS, {
            "kind": ChargeKind.OVERDUE, "status": ChargeStatus.OPEN, "settled_at": None,
        })  # fmt: skip
        self._circulation_history = BulkRows(CirculationHistory, ("at", "details"), {
            "action": "charge_added", "actor_id": None,
        }, json=("details",))  # fmt: skip
        self._reader_history = BulkRows(ReaderHistory, ("reader_id", "at", "details"), {
            "action": "credit_adjusted", "actor_id": None,
        })  # fmt: skip
        self._amount = Charge._meta.get_field("amount")

    # --- adding -------------------------------------------------------------------------

    def add(self, plan: LoanPlan) -> None:
        if self._seen_day is None or plan.out_on > self._seen_day:
            # Every return up to this day comes from a loan already seen: settle credit.
            self._credit_until(plan.out_on)
            self._seen_day = plan.out_on
        self._plans.append(plan)
        if plan.back_on is not None:
            self._sequence += 1
            self._credit_events.setdefault(plan.back_on, []).append(
                (plan.back_at, self._sequence, plan.reader.pk, plan.credit_change)
            )
        if len(self._plans) >= self.batch:
            self.flush()

    def write(self, plans: Iterable[LoanPlan]) -> Written:
        for plan in plans:
            self.add(plan)
        return self.finish()

    def finish(self) -> Written:
        self.flush()
        self._credit_until(dt.date.max)
        self._readers_update()
        return self.written

    # --- a batch ------------------------------------------------------------------------

    def flush(self) -> None:
        plans, self._plans = self._plans, []
        if not plans:
            return
        barcodes = _barcodes({p.item for p in plans})
        ids = self._insert_loans(plans)
        history, item_history, charged = [], [], []
        for plan, loan_id in zip(plans, ids, strict=True):
            barcode = barcodes[plan.item]
            history.extend(self._loan_rows(plan, loan_id, barcode))
            item_history.extend(self._item_rows(plan, barcode))
            fine = plan.fine if plan.back_on is not None else 0
            if fine > 0:
                charged.append((plan, loan_id, fine))
        self._history.write(history)
        self._item_history.write(item_history)
        self._charge(charged)
        self._items_update()  # a copy lent again in a later batch is updated again
        self.written.loans += len(plans)
        self.written.loan_history += len(history)
        self.written.item_history += len(item_history)

    def _terms(self, terms) -> object:
        """The loan's ``terms`` column, adapted once per terms (a few dozen in a city)."""
        found = self._adapted.get(id(terms))
        if found is None:
            text = json.dumps(self.book.as_json(terms))
            found = self._adapted[id(terms)] = self._json(text)
        return found

    def _insert_loans(self, plans: list[LoanPlan]) -> list[int]:
        last = Loan.objects.aggregate(m=Max("pk"))["m"] or 0
        moment, day = self._moment, self._day
        self._loans.write(
            (p.item, _reader_now(p), p.reader.category, p.reader.home, p.unit.pk,
             p.back_unit.pk if p.back_unit else None, p.status, p.item_type,
             moment(p.out_at), day(p.final_due), p.renewals,
             moment(p.back_at) if p.back_at else None, self._terms(p.terms))
            for p in plans
        )  # fmt: skip
        rows = Loan.objects.filter(pk__gt=last).values_list("pk", "item_id", "checked_out_at")
        found = {(item, at): pk for pk, item, at in rows.order_by()}
        return [found[(p.item, p.out_at)] for p in plans]

    def _loan_rows(self, plan: LoanPlan, loan_id: int, barcode: str) -> list[tuple]:
        """``barcode``: already a JSON string (quoted)."""
        moment, text = self._moment, self._json
        out = f'{{"barcode": {barcode}, '
        rows = [(loan_id, "loan_checked_out", "", LoanStatus.ON_LOAN, plan.unit.pk,
                 moment(plan.out_at), text(f'{out}"due_on": "{plan.due_on}"}}'))]  # fmt: skip
        if plan.renewed_at:
            renew_unit = plan.renew_unit.pk if plan.renew_unit else None
            details = f'{out}"due_before": "{plan.due_on}", "due_on": "{plan.renewed_due}"}}'
            rows.append((loan_id, "loan_renewed", LoanStatus.ON_LOAN, LoanStatus.RENEWED,
                         renew_unit, moment(plan.renewed_at), text(details)))  # fmt: skip
        if plan.overdue_at:
            before = LoanStatus.RENEWED if plan.renewed_at else LoanStatus.ON_LOAN
            day = plan.final_due + dt.timedelta(days=1)
            rows.append((loan_id, "loan_overdue", before, LoanStatus.OVERDUE, None,
                         moment(plan.overdue_at), text(f'{{"day": "{day}"}}')))  # fmt: skip
        if plan.back_at:
            details = (f'{out}"days_late": {plan.days_late}, "fine": "{plan.fine}", '
                       f'"credit_change": {plan.credit_change}}}')  # fmt: skip
            rows.append((loan_id, "loan_returned", plan.status_before_return,
                         LoanStatus.RETURNED, plan.back_unit.pk, moment(plan.back_at),
                         text(details)))  # fmt: skip
        return rows

    def _item_rows(self, plan: LoanPlan, barcode: str) -> list[tuple]:
        """What ``item_transition`` writes at the checkout, the return and the arrival; the
        copy's state after them is kept for the one update at the end."""
        moment, text, item = self._moment, self._json, plan.item
        lent = f'{{"barcode": {barcode}, "reason": '
        rows = [(item, ItemStatus.AVAILABLE, ItemStatus.ON_LOAN, plan.unit.pk,
                 moment(plan.out_at), text(f'{lent}"checkout"}}'))]  # fmt: skip
        state = (ItemStatus.ON_LOAN, plan.unit.pk, plan.out_at)
        if plan.back_at:
            here = plan.back_unit.pk
            after = ItemStatus.AVAILABLE if plan.stays else ItemStatus.IN_TRANSIT
            reason = _quoted(f"return:{plan.reason}:{plan.destination.code}")
            rows.append((item, ItemStatus.ON_LOAN, after, here, moment(plan.back_at),
                         text(f"{lent}{reason}}}")))  # fmt: skip
            state = (after, here, plan.back_at)
        if plan.arrived_at:
            there = plan.destination.pk
            rows.append((item, ItemStatus.IN_TRANSIT, ItemStatus.AVAILABLE, there,
                         moment(plan.arrived_at),
                         text(f"{lent}{_quoted(ARRIVAL_REASON)}}}")))  # fmt: skip
            state = (ItemStatus.AVAILABLE, there, plan.arrived_at)
        self._items[item] = state
        return rows

    def _charge(self, charged: list) -> None:
        """The overdue fines, then their ``charge_added`` rows (which name the charge)."""
        if not charged:
            return
        last = Charge.objects.aggregate(m=Max("pk"))["m"] or 0
        prep = self._amount.get_db_prep_save
        self._charges.write(
            (plan.reader.pk, loan_id, plan.item, plan.owner, prep(fine, connection),
             self._moment(plan.back_at), f"{plan.days_late} days late")
            for plan, loan_id, fine in charged
        )  # fmt: skip
        ids = dict(Charge.objects.filter(pk__gt=last).values_list("loan_id", "pk").order_by())
        self._circulation_history.write(
            (self._moment(plan.back_at), {"charge": ids[loan_id], "kind": ChargeKind.OVERDUE.value,
                                          "amount": str(fine), "account": plan.owner})
            for plan, loan_id, fine in charged
        )  # fmt: skip
        self.written.charges += len(charged)

    # --- credit, in the order of the returns ----------------------------------------------

    def _credit_until(self, last: dt.date) -> None:
        """The credit changes of every return up to ``last``, in order of time."""
        days = sorted(day for day in self._credit_events if day <= last)
        for day in days:
            events = sorted(self._credit_events.pop(day))
            self._credit_load({reader for _at, _n, reader, _delta in events})
            rows = []
            for at, _n, reader, delta in events:
                before = self._credit[reader]
                after = reader_policies.credit_clamp(before + delta)
                if after == before:
                    continue
                reason = "late return" if delta < 0 else "returned on time"
                details = (f'{{"delta": {delta}, "before": {before}, "after": {after}, '
                           f'"reason": "{reason}"}}')  # fmt: skip
                rows.append((reader, self._moment(at), self._json(details)))
                self._credit[reader] = after  # fmt: skip
                self._changed_readers.add(reader)
            self._reader_history.write(rows)
            self.written.credit_changes += len(rows)

    def _credit_load(self, readers: set[int]) -> None:
        missing = sorted(readers - self._credit.keys())
        for start in range(0, len(missing), _IDS_PER_QUERY):
            chunk = missing[start : start + _IDS_PER_QUERY]
            self._credit.update(
                Reader.objects.filter(pk__in=chunk).values_list("pk", "credit_score")
            )

    # --- the end ------------------------------------------------------------------------

    def _items_update(self) -> None:
        """Each copy of the batch as its last loan left it."""
        rows = [(pk, s, unit, self._moment(at)) for pk, (s, unit, at) in self._items.items()]
        rows_update(Item, ("status", "location_id", "status_changed_at"), rows)
        self._items = {}
        self.written.items_updated += len(rows)

    def _readers_update(self) -> None:
        rows = [(pk, self._credit[pk]) for pk in sorted(self._changed_readers)]
        rows_update(Reader, ("credit_score",), rows)
        self.written.readers_updated = len(rows)


def datetime_adapter() -> Callable[[dt.datetime], object]:
    """``adapt_datetimefield_value``, quicker for the UTC moments of the plans on SQLite (the
    same text: the UTC time without its zone)."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or connection.timezone_name != "UTC":
        return adapt
    utc = dt.UTC

    def quick(value: dt.datetime) -> object:
        if value.tzinfo is utc:
            return value.isoformat(" ")[:-6]  # without "+00:00"
        return adapt(value)

    return quick


def json_text_adapter() -> Callable[[str], object]:
    """JSON text as the database takes it for a ``JSONField`` (what ``adapt_json_value``
    makes of the value the text encodes): the text itself on SQLite, ``Jsonb`` on PostgreSQL.
    Writing the few shapes of history details as text is a fifth of the time ``json.dumps``
    takes over them."""
    if connection.vendor == "sqlite":
        return str
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return lambda text: Jsonb(text, dumps=str)
    adapt = connection.ops.adapt_json_value
    return lambda text: adapt(json.loads(text), None)


def _quoted(text: str) -> str:
    """``text`` as a JSON string."""
    if _PLAIN_TEXT.fullmatch(text):
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def _reader_now(plan: LoanPlan) -> int | None:
    """The loan keeps its reader while it runs, and after only with the reader's consent."""
    if plan.back_at is None or plan.reader.keeps_history:
        return plan.reader.pk
    return None


def _barcodes(items: set[int]) -> dict[int, str]:
    """The copies' barcodes, as JSON strings."""
    ids = sorted(items)
    found: dict[int, str] = {}
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        rows = Item.objects.filter(pk__in=chunk).values_list("pk", "barcode")
        found.update((pk, _quoted(barcode)) for pk, barcode in rows)
    return found


class BulkRows:
    """``INSERT`` of many rows of one model: some columns per row (ready for the database),
    the rest the same for every row (``json``: per-row values adapted here). ``executemany``
    on SQLite; ``COPY`` on PostgreSQL (psycopg's ``executemany`` sends a statement a row)."""

    def __init__(self, model: type[models.Model], per_row: tuple[str, ...], same: dict,
                 *, json: tuple[str, ...] = ()) -> None:  # fmt: skip
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
        unknown = (set(per_row) | set(same)) - set(fields)
        rest = [name for name in fields if name not in per_row]
        missing = [n for n in rest if n not in same and not fields[n].has_default()]
        if unknown or missing:
            raise ValueError(f"{model.__name__}: unknown {sorted(unknown)}, missing {missing}")
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(fields[c].column) for c in (*per_row, *rest))
        self.json = [(per_row.index(name), fields[name].encoder) for name in json]
        self.tail = tuple(
            fields[c].get_db_prep_save(same[c] if c in same else fields[c].get_default(),
                                       connection)
            for c in rest
        )  # fmt: skip

    def write(self, rows: Iterable[tuple]) -> None:
        tail, adapt = self.tail, connection.ops.adapt_json_value
        if self.json:
            prepared = []
            for row in rows:
                values = list(row)
                for i, encoder in self.json:
                    values[i] = adapt(values[i], encoder)
                prepared.append((*values, *tail))
        else:
            prepared = [(*row, *tail) for row in rows]
        if prepared:
            _insert(self.table, self.columns, prepared)


def rows_update(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Set ``columns`` of many rows, each ``(pk, *values)``: ``executemany`` on SQLite; on
    PostgreSQL the rows are copied into a temporary table and one ``UPDATE ... FROM`` it."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(c) for c in columns]
    names = [quote(f.column) for f in fields]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{n} = %s" for n in names)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s",
                               [(*values, pk) for pk, *values in rows])  # fmt: skip
            return
        temp = quote("demo_activity_rows")
        types = ", ".join(
            f"{n} {f.db_type(connection)}" for n, f in zip(names, fields, strict=True)
        )
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} (id bigint, {types})")
        _insert(temp, ", ".join(["id", *names]), rows)
        sets = ", ".join(f"{n} = v.{n}" for n in names)
        cursor.execute(f"UPDATE {table} AS t SET {sets} FROM {temp} AS v WHERE t.id = v.id")
        cursor.execute(f"DROP TABLE {temp}")


def _insert(table: str, columns: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(rows[0]))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        for start in range(0, len(rows), 20_000):
            cursor.executemany(sql, rows[start : start + 20_000])
