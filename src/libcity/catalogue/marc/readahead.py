"""Reading ahead in a child process: while the importing process writes one batch to the
database, a forked child reads and maps the next one (pymarc parsing and the field tables
are pure Python, about half the time of an import, and touch no database).

Used by ``libcity import-marc``; the child only computes and sends what it made through a
pipe, in order, one batch ahead (the pipe's buffer is the only queue).
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_ITEM, _DONE, _FAILED = "item", "done", "failed"


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
    """The child: everything ``produce`` makes, then done (or the error it raised). It never
    touches the database connections it inherited, and ends without closing them."""
    try:
        for item in produce():
            sender.send((_ITEM, item))
        sender.send((_DONE, None))
    except BaseException as error:  # sent to the parent, which raises it
        sender.send((_FAILED, _sendable(error)))
    finally:
        sender.close()


def _sendable(error: BaseException) -> BaseException:
    """The error itself when it survives pickling, else its traceback in words."""
    try:
        multiprocessing.reduction.ForkingPickler.dumps(error)
    except Exception:
        return RuntimeError("".join(traceback.format_exception(error)))
    return error
