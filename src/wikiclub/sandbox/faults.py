"""Seeded fault injection for the Action API (never for /sparql): the failures a real wiki produces.

Each api.php request draws, from one ``random.Random(seed)``, in this fixed order: ``slow`` (sleep,
then carry on), ``http503`` (plain-text 503 with Retry-After), ``maxlag`` (only for requests that
send ``maxlag``, as MediaWiki only checks lag then), then for writes ``ratelimited`` and
``editconflict`` (not for creations), and after the handler ran ``lost_response`` (writes that
succeeded: the edit is saved, then the connection is closed without an answer) and ``saved_then_503``
(writes that succeeded: the edit is saved, then the answer is a plain-text 503, as a proxy in front of
the wiki gives when the backend answered too late; each drawn only when its probability is set, so
older seeds give the same faults). ``token_expiry_after=N``
invalidates every session's CSRF token once, just before the (N+1)-th write, so that write gets
``badtoken``. The same seed and the same request sequence give the same faults; each injected fault
is written to the request log (``fault`` field).
"""

from __future__ import annotations

import contextlib
import random
import socket
import time

from werkzeug.wrappers import Response

from .config import FaultConfig
from .context import ApiRequest
from .mw import ApiError, editconflict_error, is_write_action, maxlag_error, ratelimited_error

# Simulated lag reported by the maxlag fault (seconds): above the maxlag=5 clients usually send.
FAULT_LAG = 7


class FaultInjector:
    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.writes_seen = 0
        self.tokens_expired = False

    def _draw(self, probability: float) -> bool:
        # always draw, so one fault's probability does not shift the sequence of the others
        return self.rng.random() < probability

    @staticmethod
    def _is_write(req: ApiRequest) -> bool:
        return req.method == "POST" and is_write_action(req.action)

    def before(self, req: ApiRequest) -> ApiError | Response | None:
        """A fault to answer instead of running the handler, or None."""
        cfg = self.config
        write = self._is_write(req)
        slow = self._draw(cfg.slow)
        http503 = self._draw(cfg.http503)
        maxlag = self._draw(cfg.maxlag)
        ratelimited = self._draw(cfg.ratelimited) if write else False
        conflict = self._draw(cfg.editconflict) if write else False
        if slow:
            req.fault = "slow"
            time.sleep(cfg.slow_seconds)
        if write:
            self.writes_seen += 1
            if (cfg.token_expiry_after is not None and not self.tokens_expired
                    and self.writes_seen > cfg.token_expiry_after):
                self.tokens_expired = True
                req.fault = "token_expiry"
                req.app.expire_csrf_tokens()
                return None  # the handler's token check now answers badtoken
        if http503:
            req.fault = "http503"
            response = Response("Service Temporarily Unavailable (sandbox fault injection)\n", status=503,
                                mimetype="text/plain")
            response.headers["Retry-After"] = str(cfg.retry_after)
            return response
        if maxlag and "maxlag" in req.params:
            req.fault = "maxlag"
            return maxlag_error(FAULT_LAG, retry_after=cfg.retry_after)
        if ratelimited:
            req.fault = "ratelimited"
            return ratelimited_error(req.action)
        if conflict and "new" not in req.params:
            req.fault = "editconflict"
            return editconflict_error(req.action)
        return None

    def after(self, req: ApiRequest, response: Response) -> Response:
        """Faults after the save: the connection cut without an answer, or a 503 instead of the answer."""
        cfg = self.config
        if not self._is_write(req):
            return response
        lost = self._draw(cfg.lost_response) if cfg.lost_response > 0 else False
        late_503 = self._draw(cfg.saved_then_503) if cfg.saved_then_503 > 0 else False
        if response.status_code != 200 or "MediaWiki-API-Error" in response.headers:
            return response  # not saved: nothing to lose
        sock = req.environ.get("werkzeug.socket")
        if lost and sock is not None:  # not served by werkzeug's server: nothing to cut
            req.fault = "lost_response"
            # shutdown (not close) so the server's own write fails with a ConnectionError it ignores
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            return Response(b"", status=200)
        if late_503:
            req.fault = "saved_then_503"
            late = Response("Service Temporarily Unavailable (sandbox fault injection: saved, then 503)\n",
                            status=503, mimetype="text/plain")
            late.headers["Retry-After"] = str(cfg.retry_after)
            return late
        return response
