"""Showing a client's waits on the terminal (``WikibaseClient.on_wait`` → the progress bar or stderr)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Protocol

import click

from ..adapters.waits import WaitCallback, WaitEvent, WaitTally


class Waiter(Protocol):
    def on_wait(self, callback: WaitCallback) -> Any: ...


class WaitDisplay:
    """Subscribes to clients' waits: each wait goes into the progress bar (``bar``, a tqdm, once there
    is one) and, unless it is our own throttle, as a line that stays (above the bar, or on stderr);
    ``summary()`` prints the count by kind at the end (nothing when there was no wait)."""

    def __init__(self) -> None:
        self.tally = WaitTally()
        self.bar: Any = None

    def attach(self, *clients: Waiter) -> WaitDisplay:
        for client in clients:
            client.on_wait(self)
        return self

    def __call__(self, event: WaitEvent) -> None:
        self.tally(event)
        line = event.text()
        if self.bar is not None:
            self.bar.set_postfix_str(line[:100], refresh=True)
            if event.kind != "throttle":
                self.bar.write(line, file=sys.stderr)
        elif event.kind != "throttle":
            click.echo(line, err=True)

    def progress(self, desc: str, unit: str) -> Callable[[Any], None]:
        """A progress callback (``push_plan``'s ``on_event``): the bar appears with the first event
        (which knows the total) and shows each event's state — and, between events, each wait."""

        def on_event(event: Any) -> None:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=event.total, desc=desc, unit=unit)
            self.bar.update(1)
            self.bar.set_postfix_str(event.state)

        return on_event

    def close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def summary(self) -> None:
        if self.tally.total:
            click.echo(self.tally.summary(), err=True)
