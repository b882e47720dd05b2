"""Issue 12 P6: an idle queue worker waits for a wake-up token instead of polling Redis, and the sender's
token wakes it."""

from __future__ import annotations

import threading

import pytest

from signer.signing.pdf_queue import QUEUES, SIGNING, WAKE_TOKENS, declare, make_broker, wake, wake_key


@pytest.fixture
def broker_url(redis_url: str):
    import redis

    url = f"{redis_url.rsplit('/', 1)[0]}/12"
    yield url
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("signer*"):
        client.delete(key)


def test_a_job_sent_to_an_idle_queue_is_fetched_when_its_token_arrives(broker_url):
    broker, _ = make_broker(broker_url)
    actor = declare(broker, SIGNING)
    consumer = broker.consume(QUEUES[SIGNING], prefetch=1, timeout=600_000)  # idle: wait for a token
    fetched: list[object] = []

    def consume() -> None:
        for _ in range(3):  # empty queue → wait for the token → the job
            message = next(consumer)
            if message is not None:
                fetched.append(message)
                return

    waiting = threading.Thread(target=consume, daemon=True)
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive() and not fetched  # blocked on the wake-up list, not polling past it
    sent = actor.send({"op": "ping"})
    wake(broker.client, QUEUES[SIGNING])
    waiting.join(60)
    assert [m.message_id for m in fetched] == [sent.message_id]
    broker.close()


def test_tokens_nobody_takes_are_capped(broker_url):
    broker, _ = make_broker(broker_url)
    for _ in range(WAKE_TOKENS + 10):
        wake(broker.client, QUEUES[SIGNING])
    assert broker.client.llen(wake_key(QUEUES[SIGNING])) == WAKE_TOKENS
    broker.close()
