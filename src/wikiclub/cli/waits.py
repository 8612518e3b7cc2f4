"""Showing a client's waits on the terminal (``WikibaseClient.on_wait`` → the progress bar or stderr)."""

from __future__ import annotations

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
                self.bar.write(line, file=click.get_text_stream("stderr"))
        elif event.kind != "throttle":
            click.echo(line, err=True)

    def summary(self) -> None:
        if self.tally.total:
            click.echo(self.tally.summary(), err=True)
