"""Issue 12 P6: an idle queue worker waits for a wake-up token instead of polling Redis, and sending a job
pushes that token in the same round trip, with whatever else the sender staged."""

from __future__ import annotations

import threading

import pytest

from signer.signing.pdf_queue import QUEUES, SIGNING, WAKE_TOKENS, declare, make_broker, wake_key


@pytest.fixture
def broker_url(redis_url: str):
    import redis

    url = f"{redis_url.rsplit('/', 1)[0]}/12"
    yield url
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("signer*"):
        client.delete(key)


def waiting_consumer(broker, fetched: list[object]) -> threading.Thread:
    """A consumer of the signing queue in a thread, idle long enough to block on the wake-up list."""
    consumer = broker.consume(QUEUES[SIGNING], prefetch=1, timeout=600_000)

    def consume() -> None:
        for _ in range(3):  # empty queue → wait for a token → the job
            message = next(consumer)
            if message is not None:
                fetched.append(message)
                return

    waiting = threading.Thread(target=consume, daemon=True)
    waiting.start()
    waiting.join(0.5)
    return waiting


def test_a_job_sent_to_an_idle_queue_wakes_its_consumer(broker_url):
    broker, _ = make_broker(broker_url)
    actor = declare(broker, SIGNING)
    fetched: list[object] = []
    waiting = waiting_consumer(broker, fetched)
    assert waiting.is_alive() and not fetched  # blocked on the wake-up list, not polling past it
    sent = actor.send({"op": "ping"})
    waiting.join(60)
    assert [m.message_id for m in fetched] == [sent.message_id]
    broker.close()


def test_what_the_sender_staged_reaches_redis_with_the_job(broker_url):
    broker, _ = make_broker(broker_url)
    actor = declare(broker, SIGNING)
    fetched: list[object] = []
    waiting = waiting_consumer(broker, fetched)
    sent = broker.send(actor, {"op": "ping"}, (lambda pipe: pipe.set("signer:test-staged", b"document"),))
    waiting.join(60)
    assert [m.message_id for m in fetched] == [sent.message_id]
    assert broker.client.get("signer:test-staged") == b"document"
    broker.close()


def test_a_redis_without_the_enqueue_script_gets_it_and_the_job(broker_url):
    broker, _ = make_broker(broker_url)
    actor = declare(broker, SIGNING)
    broker.scripts["dispatch"].sha = "0" * 40  # as after a restart of Redis: the script is not loaded
    sent = actor.send({"op": "ping"})
    message = next(broker.consume(QUEUES[SIGNING], prefetch=1, timeout=1000))
    assert message is not None and message.message_id == sent.message_id
    assert broker.client.llen(wake_key(QUEUES[SIGNING])) >= 1
    broker.close()


def test_tokens_nobody_takes_are_capped(broker_url):
    broker, _ = make_broker(broker_url)
    actor = declare(broker, SIGNING)
    for _ in range(WAKE_TOKENS + 10):
        actor.send({"op": "ping"})
    assert broker.client.llen(wake_key(QUEUES[SIGNING])) == WAKE_TOKENS
    broker.close()
