"""Issue 12 P6: documents cross the task queue through Redis by content hash, each checked on arrival; a
job's produced documents are in Redis by the time its reply is; the seal image goes by hash as well."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from dramatiq import Worker

from signer.core.secretbox import SecretBox
from signer.core.storage import FileBlobStore
from signer.signing.pdf_queue import (
    ASK_ABOVE_BYTES,
    QUEUES,
    SIGNING,
    TSA_PURPOSE,
    Produced,
    QueueJobs,
    QueuePool,
    RedisBlobs,
    declare,
    make_broker,
)


@pytest.fixture
def url(redis_url: str):
    url = f"{redis_url.rsplit('/', 1)[0]}/11"
    yield url
    client = redis.Redis.from_url(url)
    for key in client.scan_iter("signer*"):
        client.delete(key)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakePool:
    """Stands in for the queue worker's own PDF workers: records each request, writes one new document."""

    def __init__(self, store: FileBlobStore) -> None:
        self.store = store
        self.requests: list[dict[str, Any]] = []

    def reply(self, req: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(req)
        return {"ok": True, "result": {"pdf_blob": self.store.put(b"signed " + os.urandom(8))}}


def jobs(tmp_path: Path, url: str, box: SecretBox) -> tuple[QueueJobs, FakePool]:
    store = FileBlobStore(tmp_path / "worker-blobs")
    pool = FakePool(store)
    return QueueJobs(pool, store, RedisBlobs(redis.Redis.from_url(url)), box, []), pool  # type: ignore[arg-type]


def test_a_document_is_sent_once_while_redis_keeps_it(url, tmp_path):
    blobs = RedisBlobs(redis.Redis.from_url(url))
    data = b"%PDF- a document"
    staged = blobs.stage(sha(data), lambda: data, seconds=60)
    assert staged is not None  # Redis lacks it: its bytes go with the job
    with blobs.client.pipeline() as pipe:
        staged(pipe)
        pipe.execute()
    blobs.kept(sha(data), time.monotonic())
    assert blobs.stage(sha(data), lambda: pytest.fail("read again"), seconds=60) is None


def test_a_large_document_another_node_sent_is_only_kept_longer(url, tmp_path):
    client = redis.Redis.from_url(url)
    data = b"%PDF- sent by another node" + os.urandom(ASK_ABOVE_BYTES)
    client.set(f"signer:pdf-blob:{sha(data)}", data, ex=5)
    blobs = RedisBlobs(client)
    assert blobs.stage(sha(data), lambda: data, seconds=60) is None
    assert client.ttl(f"signer:pdf-blob:{sha(data)}") > 60


def test_a_document_that_arrives_corrupt_is_refused(url, tmp_path):
    client = redis.Redis.from_url(url)
    data = b"%PDF- the real one"
    client.set(f"signer:pdf-blob:{sha(data)}", b"%PDF- something else", ex=60)
    worker, pool = jobs(tmp_path, url, SecretBox(os.urandom(32)))
    reply = worker({"op": "finish_round", "pdf_blob": sha(data)})
    assert not reply["ok"] and "arrived corrupt" in reply["message"]
    assert pool.requests == []


def test_a_produced_document_is_in_redis_with_the_reply(url, tmp_path):
    broker, backend = make_broker(url)
    message = declare(broker, SIGNING).message({"op": "finish_round"})
    signed = b"%PDF- signed"
    reply = {"ok": True, "result": {"pdf_blob": sha(signed)}}
    backend.store_result(message, Produced(reply, {sha(signed): signed}), 60_000)
    assert backend.get_result(message) == reply
    assert broker.client.get(f"signer:pdf-blob:{sha(signed)}") == signed
    broker.close()


def test_a_worker_with_another_master_key_refuses_a_timestamped_round(url, tmp_path):
    sealed = SecretBox(os.urandom(32)).seal(json.dumps({"key": "tsa"}).encode(), TSA_PURPOSE)
    worker, pool = jobs(tmp_path, url, SecretBox(os.urandom(32)))
    reply = worker({"op": "finish_round", "tsa_sealed": base64.b64encode(sealed).decode()})
    assert not reply["ok"] and "SIGNER_MASTER_KEY" in reply["message"]
    assert pool.requests == []


@pytest.fixture
def web_and_worker(url, tmp_path):
    """A web node's :class:`QueuePool` and a queue worker (a Dramatiq worker thread, fake PDF workers)."""
    box = SecretBox(os.urandom(32))
    worker, pool = jobs(tmp_path, url, box)
    broker, _ = make_broker(url)
    declare(broker, SIGNING, worker)
    consumer = Worker(broker, queues={QUEUES[SIGNING]}, worker_threads=1, worker_timeout=100)
    consumer.start()
    web_store = FileBlobStore(tmp_path / "web-blobs")
    web = QueuePool(url, web_store, box, timeout=30, bulk_timeout=30)
    yield web, web_store, pool
    web.close()
    consumer.stop()
    broker.close()


def test_a_document_redis_lost_is_sent_again(web_and_worker):
    web, web_store, pool = web_and_worker
    document = web_store.put(b"%PDF- prepared")
    web.blobs.kept(document, time.monotonic())  # as if sent lately; Redis has lost it since
    reply = web.reply({"op": "finish_round", "pdf_blob": document})
    assert reply["ok"]
    assert [r["pdf_blob"] for r in pool.requests] == [document]


def test_a_round_through_the_queue_carries_its_document_and_seal_image_by_hash(web_and_worker):
    web, web_store, pool = web_and_worker
    seal = b"\x89PNG seal image"
    document, image = web_store.put(b"%PDF- prepared"), web_store.put(seal)
    req = {"op": "prepare_round", "pdf_blob": document, "image_blob": image}
    sent = json.dumps(req)
    reply = web.reply(req)
    assert reply["ok"]
    assert web_store.get(reply["result"]["pdf_blob"]).startswith(b"signed ")  # fetched, hash checked
    [seen] = pool.requests
    assert seen["pdf_blob"] == document and seen["image_blob"] == image and "image" not in seen
    assert pool.store.get(image) == seal  # in the queue worker's own store, for its worker processes to read
    assert sent == json.dumps(req)  # the caller's request is left as it was
    assert web.broker.client.get(f"signer:pdf-blob:{image}") == seal
