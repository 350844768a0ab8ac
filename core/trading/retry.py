"""Trade retries (SPEC §3.5 TRADE): retcode classes and exponential backoff with tenacity."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum

from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt

from core.brokers.sim import constants as c
from core.domain.orders import OrderResult

log = logging.getLogger(__name__)


class RetcodeClass(StrEnum):
    DONE = "done"
    RETRY = "retry"  # the market moved or the server was busy: send again
    UNKNOWN = "unknown"  # IPC failure: it may have executed, look it up before sending again
    GIVE_UP = "give_up"  # the same request will fail again (no money, invalid stops...)


# SPEC §3.5: requote, price changed, off quotes, timeout, no connection.
RETRYABLE = frozenset({c.TRADE_RETCODE_REQUOTE, c.TRADE_RETCODE_PRICE_CHANGED,
                       c.TRADE_RETCODE_PRICE_OFF, c.TRADE_RETCODE_TIMEOUT,
                       c.TRADE_RETCODE_CONNECTION})


def classify(result: OrderResult) -> RetcodeClass:
    if result.ok:
        return RetcodeClass.DONE
    if result.retcode in RETRYABLE:
        return RetcodeClass.RETRY
    if result.retcode in c.IPC_ERRORS:
        return RetcodeClass.UNKNOWN
    return RetcodeClass.GIVE_UP


def backoff_wait(backoff: Sequence[float]) -> Callable[[RetryCallState], float]:
    """Wait before retry n = backoff[n-1]; the last value repeats when retries outnumber it."""
    steps = [float(s) for s in backoff] or [0.0]

    def wait(state: RetryCallState) -> float:
        return steps[min(state.attempt_number - 1, len(steps) - 1)]

    return wait


async def send_with_retries(
    attempt: Callable[[OrderResult | None], Awaitable[OrderResult]], *, retries: int,
    backoff: Sequence[float], what: str,
) -> tuple[OrderResult, int]:
    """Run `attempt(previous_result)` until it is done, not retryable, or `retries` retries
    were spent (so at most retries + 1 sends). `attempt` sees the previous result so that,
    after an IPC failure, it looks the order up by its client id instead of resending.
    Returns the last result and how many attempts were made."""
    previous: list[OrderResult] = []

    async def once() -> OrderResult:
        result = await attempt(previous[-1] if previous else None)
        previous.append(result)
        return result

    def log_retry(state: RetryCallState) -> None:
        last = previous[-1]
        log.warning("%s: attempt %d failed (%s, %s); retrying in %.3g s", what,
                    state.attempt_number, last.message, classify(last).value,
                    state.next_action.sleep if state.next_action else 0.0)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(retries + 1), wait=backoff_wait(backoff),
        retry=retry_if_result(lambda r: classify(r) in (RetcodeClass.RETRY,
                                                         RetcodeClass.UNKNOWN)),
        before_sleep=log_retry, retry_error_callback=lambda state: previous[-1],
        reraise=True)
    result: OrderResult = await retrying(once)
    return result, len(previous)


UNKNOWN_OUTCOME = c.RES_E_INTERNAL_FAIL
"""The retcode given to a send or look-up that raised: whether it executed is not known."""
