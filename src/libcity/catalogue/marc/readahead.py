"""Reading ahead in a child process: while the importing process writes one batch to the
database, a forked child reads and maps the next one (pymarc parsing and the field tables
are pure Python, about half the time of an import, and touch no database).

Used by ``libcity import-marc``; the child only computes and sends what it made through a
pipe, in order. A thread of the child sends while it goes on computing, up to ``AHEAD``
items ahead of what the parent has taken: batches do not all cost the same on both sides,
and with one batch in hand one side would often wait for the other.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_ITEM, _DONE, _FAILED = "item", "done", "failed"
#: Items the child may have made and not yet sent, besides the one being sent.
AHEAD = 3


def read_ahead(produce: Callable[[], Iterable[T]]) -> Iterator[T]:
    """The items of ``produce()``, made in a forked child process and given here in order.
    Where processes cannot be forked, ``produce()`` simply runs here. An error in the child
    is raised here; leaving the loop early stops the child."""
    if "fork" not in multiprocessing.get_all_start_methods():
        yield from produce()
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(produce, sender), daemon=True)
    child.start()
    sender.close()
    try:
        yield from _received(receiver)
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _received(receiver) -> Iterator:
    while True:
        try:
            kind, value = receiver.recv()
        except EOFError:
            raise RuntimeError("The process reading the file ended without finishing.") from None
        if kind == _DONE:
            return
        if kind == _FAILED:
            raise value
        yield value


def _produce(produce: Callable[[], Iterable], sender) -> None:
    """The child: everything ``produce`` makes, then done (or the error it raised), handed
    to a sending thread. It never touches the database connections it inherited, and ends
    without closing them."""
    waiting: queue.Queue = queue.Queue(maxsize=AHEAD)
    thread = threading.Thread(target=_send, args=(waiting, sender), daemon=True)
    thread.start()
    try:
        for item in produce():
            waiting.put((_ITEM, item))
        waiting.put((_DONE, None))
    except BaseException as error:  # sent to the parent, which raises it
        waiting.put((_FAILED, _sendable(error)))
    finally:
        thread.join()
        sender.close()


def _send(waiting: queue.Queue, sender) -> None:
    """Send what the child made, in order, until done or failed. An item that cannot be
    sent is sent as the failure instead; what follows it is taken and dropped, so that the
    child's main thread never blocks on a full queue."""
    failed = False
    while True:
        message = waiting.get()
        if not failed:
            try:
                sender.send(message)
            except BaseException as error:
                failed = True
                with contextlib.suppress(Exception):
                    sender.send((_FAILED, _sendable(error)))
        if message[0] != _ITEM:
            return


def _sendable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling, else its traceback in words."""
    try:
        multiprocessing.reduction.ForkingPickler.dumps(error)
    except Exception:
        return RuntimeError("".join(traceback.format_exception(error)))
    return error
