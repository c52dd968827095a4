"""Synchronous fixtures that move virtual time (docs/howto/from-pytest-asyncio.rst)."""

import asyncio

import pytest


class Session:
    """Expires ``ttl`` seconds (loop time) after it starts."""

    def __init__(self, loop, ttl):
        self.expired = False
        loop.call_later(ttl, self.expire)

    def expire(self):
        self.expired = True


@pytest.fixture
def expired_session(clock):
    session = Session(clock, ttl=30)
    clock.run_until_complete(clock.advance(30))  # not asyncio.sleep(30): see below
    return session


def test_manual_clock(expired_session, clock):
    assert expired_session.expired
    assert clock.time() == 30


@pytest.fixture
def slept_a_day(loop):
    loop.run_until_complete(asyncio.sleep(86_400))  # autojump: takes no real time
    return loop.time()


@pytest.mark.asynctoolkit(clock="autojump")
def test_autojump(slept_a_day):
    assert slept_a_day == 86_400
