"""PDF work through a task queue (Dramatiq over Redis), so queue workers on other machines can do it.

``SIGNER_PDF_QUEUE=redis://…`` makes the web process send every PDF job to Redis instead of its own
worker processes (:class:`QueuePool` stands in for :class:`SigningPool`); ``signer pdf-worker`` runs
on any machine and answers them (:func:`run_queue_worker`). Each lane of the local pool is a queue:
``pdf-signing`` (what a person at a QR code or a phone waits for) and ``pdf-bulk`` (uploads, previews,
verification). A queue worker consumes each with its own threads, handing the jobs to its own signing
and bulk lanes of worker processes (with their memory limit and timeouts), so uploads never hold up a
round; the signing actor also carries the higher priority.

Documents travel through Redis, keyed by content hash (``signer:pdf-blob:<sha256>``, expiring after
``BLOB_TTL_SECONDS``): the queue worker may run on a machine that cannot read the web node's blob
folder, and Redis is the one service every node and worker already shares. The web process uploads a
job's input, and the seal image a round stamps, in the same round trip as the job, unless it knows Redis
keeps them long enough (it sent or fetched them lately), and downloads what the job produced into its own
blob store; the worker keeps a local copy in its own instance's blob folder, which its worker processes
read and write as in the embedded set-up, and puts what a job produced into Redis in the same round trip
as the job's result, ahead of it. Every transfer is checked against its hash. Jobs and their results are
JSON in Redis (Dramatiq's broker and result backend); only the results of the job's own request are
read back. A job so costs the web process three round trips to Redis (send, result, what it produced)
and the worker three (wake-up, fetch, result), plus one for an input it does not hold yet.

An idle queue worker does not poll: Dramatiq's Redis consumer fetches, and when its queue is empty it
sleeps before fetching again, which adds up to that sleep to every job a person waits for (or, with short
sleeps, hundreds of Redis calls a second per idle worker). Here sending a job also pushes a wake-up token
onto a list per queue, in the same round trip (:func:`wake_key`), and an idle consumer blocks on that list
(:class:`WakingBroker`): a job is fetched as soon as it is sent, and an idle consumer makes two calls a
second (the wait, then a fetch in case a job came without a token).

A timestamped round needs the platform TSA's key in the worker process. It never crosses Redis in the
clear: the web node seals it (:class:`~signer.core.secretbox.SecretBox`, AES-GCM under the master key that
every node and queue worker of one deployment shares) and the queue worker opens it just before the job
reaches its own worker process over a private pipe.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial
from typing import Any

import dramatiq
import redis
from cryptography.exceptions import InvalidTag
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.common import current_millis
from dramatiq.errors import ConnectionClosed
from dramatiq.message import Message
from dramatiq.results import Results, ResultTimeout
from dramatiq.results.backend import wrap_result
from dramatiq.results.backends.redis import RedisBackend
from redis.client import Pipeline

from pdfsign.worker import BlobStore
from signer.core.config import Config, load_secret
from signer.core.secretbox import SecretBox
from signer.core.storage import FileBlobStore
from signer.signing.signing_pool import (
    BULK,
    DOCUMENT_OPS,
    SIGNING,
    PdfWorkerError,
    SigningPool,
    lane_of,
    too_complex,
)
from signer.signing.stamp_fonts import ensure_stamp_fonts

log = logging.getLogger(__name__)

QUEUES = {SIGNING: "pdf-signing", BULK: "pdf-bulk"}
PRIORITIES = {SIGNING: 0, BULK: 10}  # lower runs first where both wait for one thread
NAMESPACE = "signer-pdf"
TSA_PURPOSE = "pdf-queue-tsa"  # SecretBox purpose of the TSA credentials a timestamped job carries
BLOB_TTL_SECONDS = 900
ASK_ABOVE_BYTES = 256 * 1024  # a document the sender does not know to be in Redis goes anyway up to this size
QUEUE_WAIT_SECONDS = 30  # on top of the lane's own timeout: a job may wait for a free worker
PING_WAIT_SECONDS = 5  # the readiness probe: does some queue worker answer?
IDLE_WAIT_SECONDS = 1  # an idle consumer waits this long for a wake-up token before fetching anyway
FULL_WAIT_SECONDS = 0.002  # a consumer with its prefetch full waits for an ack, which sends no token
WAKE_TOKENS = 64  # tokens kept per queue when no consumer takes them (e.g. every queue worker is down)


def _blob_key(sha256: str) -> str:
    return f"signer:pdf-blob:{sha256}"


def input_blobs(req: dict[str, Any]) -> list[str]:
    """The hashes of what a job reads by reference: its document and a seal image."""
    return [req[key] for key in ("pdf_blob", "image_blob") if req.get(key)]


def produced_blobs(req: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """The hashes of the documents a job by reference wrote (the reply shapes of pdfsign.worker)."""
    if not req.get("pdf_blob"):
        return []
    prepared = result.get("prepared")
    return [sha for sha in (result.get("pdf_blob"), prepared and prepared.get("prepared_pdf_sha256")) if sha]


class DocumentMissing(PdfWorkerError):
    """A document a job names is not in Redis (expired, or lost with Redis's memory)."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"document {sha256} is not in the task queue's store")
        self.sha256 = sha256


Staged = Callable[[Pipeline], object]  # commands to send in the same round trip as a job
_STAGED: ContextVar[tuple[Staged, ...]] = ContextVar("pdf_queue_staged", default=())  # per thread and greenlet


class RedisBlobs:
    """Documents in flight between machines, in Redis by content hash; every read is checked.

    It remembers until when Redis keeps the documents this process sent or fetched, so a round's next step
    (whose input the previous step produced) sends nothing for its document. Should Redis lose one anyway
    (a restart without persistence), the worker names it and the job goes once more, with it.
    """

    def __init__(self, client: redis.Redis, ttl: int = BLOB_TTL_SECONDS) -> None:
        self.client = client
        self.ttl = ttl
        self._kept: OrderedDict[str, float] = OrderedDict()  # sha256 → monotonic time Redis keeps it until
        self._lock = threading.Lock()

    def stage(self, sha256: str, read: Callable[[], bytes], seconds: float) -> Staged | None:
        """What keeps ``sha256`` in Redis for ``seconds`` more, to send with the job that reads it: nothing
        while it is known to stay that long, else its bytes from ``read``; a large document goes only if
        Redis lacks it (another node may have sent it), which costs a round trip now to ask.
        Call :meth:`kept` once the bytes are sent."""
        now = time.monotonic()
        with self._lock:
            if self._kept.get(sha256, 0.0) >= now + seconds:
                return None
        data = read()
        if len(data) > ASK_ABOVE_BYTES and self.client.expire(_blob_key(sha256), self.ttl):
            self.kept(sha256, now)
            return None
        return lambda pipe: pipe.set(_blob_key(sha256), data, ex=self.ttl)

    def forget(self, sha256: str) -> bool:
        """Redis lost ``sha256`` after all; whether it was thought kept."""
        with self._lock:
            return self._kept.pop(sha256, None) is not None

    def kept(self, sha256: str, since: float) -> None:
        """``sha256`` was put into Redis, or its expiry renewed, after ``since`` (monotonic time)."""
        with self._lock:
            self._kept[sha256] = since + self.ttl
            self._kept.move_to_end(sha256)
            if len(self._kept) > 1024:
                self._kept.popitem(last=False)

    def fetch(self, sha256: str, store: BlobStore) -> None:
        data = self.client.get(_blob_key(sha256))
        if not isinstance(data, bytes):
            raise DocumentMissing(sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise PdfWorkerError(f"document {sha256} arrived corrupt")
        store.put(data)


def wake_key(queue_name: str) -> str:
    return f"{NAMESPACE}-wake:{queue_name}"


class _WakingConsumer(_RedisConsumer):
    """Dramatiq's Redis consumer, blocking on the queue's wake-up list instead of sleeping when idle.

    It fetches again at once only while the queue may hold more (the last fetch filled every free slot);
    once a fetch found it drained, every job sent since has left a token, so it waits for one first.
    """

    def __init__(self, broker: RedisBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        super().__init__(broker, queue_name, prefetch, 0)  # 0: its own backoff never sleeps
        self.wait_seconds = max(timeout / 1000, FULL_WAIT_SECONDS)
        self.drained = False

    def __next__(self) -> MessageProxy | None:
        if not self.message_cache:
            room = self.prefetch - self.outstanding_message_count
            if room <= 0:  # every slot taken: wait for an ack, which sends no token
                time.sleep(FULL_WAIT_SECONDS)
                return None
            try:
                if self.drained:  # or until the idle timeout, then fetch anyway (e.g. a requeued job)
                    self.broker.client.blpop([wake_key(self.queue_name)], timeout=self.wait_seconds)
                self.message_cache = self.broker.do_fetch(self.queue_name, room)
            except redis.ConnectionError as exc:
                raise ConnectionClosed(exc) from None
            self.drained = len(self.message_cache) < room
        message: MessageProxy | None = super().__next__() if self.message_cache else None
        return message


def _push_token(pipe: Pipeline, queue_name: str) -> None:
    key = wake_key(queue_name)
    pipe.lpush(key, 1)
    pipe.ltrim(key, 0, WAKE_TOKENS - 1)


class WakingBroker(RedisBroker):
    """A Redis broker whose consumers wait for a wake-up token, which every enqueue pushes (see the
    module's docstring)."""

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return _WakingConsumer

    def send(self, actor: dramatiq.Actor[Any, Any], req: dict[str, Any], staged: tuple[Staged, ...] = ()) -> Message:
        """``actor``'s job for ``req``, sent in one round trip with the commands ``staged`` (run first)."""
        token = _STAGED.set(staged)
        try:
            message: Message = actor.send(req)
        finally:
            _STAGED.reset(token)
        return message

    def do_enqueue(self, queue_name: str, message_id: str, data: bytes) -> None:
        """Dramatiq's enqueue script, then the queue's wake-up token, in one round trip."""
        dispatch = self.scripts["dispatch"]
        args = ["enqueue", current_millis(), queue_name, self.broker_id, self.heartbeat_timeout,
                self.dead_message_ttl, self._should_do_maintenance("enqueue"), self._max_unpack_size(),
                message_id, data]  # as RedisBroker._dispatch passes them
        with self.client.pipeline(transaction=False) as pipe:
            for staged in _STAGED.get():
                staged(pipe)
            pipe.evalsha(dispatch.sha, 1, self.namespace, *args)
            _push_token(pipe, queue_name)
            try:
                pipe.execute()
            except redis.exceptions.NoScriptError:  # not loaded on this Redis yet: load it, enqueue, wake
                dispatch(keys=[self.namespace], args=args)
                with self.client.pipeline(transaction=False) as again:
                    _push_token(again, queue_name)
                    again.execute()


class Produced(dict[str, Any]):
    """A queue worker's reply with the documents its job produced, which go into Redis with it."""

    def __init__(self, reply: dict[str, Any], blobs: dict[str, bytes]) -> None:
        super().__init__(reply)
        self.blobs = blobs


class _ResultBackend(RedisBackend):
    """Dramatiq's Redis result backend; a :class:`Produced` reply's documents go first, in the same round
    trip, so whoever reads the reply finds them."""

    def store_result(self, message: Message, result: Any, ttl: int) -> None:
        key = self.build_message_key(message)
        with self.client.pipeline(transaction=False) as pipe:
            for sha256, data in getattr(result, "blobs", {}).items():
                pipe.set(_blob_key(sha256), data, ex=BLOB_TTL_SECONDS)
            pipe.delete(key)  # then as RedisBackend._store
            pipe.lpush(key, self.encoder.encode(wrap_result(result)))
            pipe.pexpire(key, ttl)
            pipe.execute()


def make_broker(url: str) -> tuple[WakingBroker, RedisBackend]:
    """A Dramatiq broker on ``url`` with results kept in the same Redis (no retries: a job is answered
    once, with its reply or its error as data)."""
    backend = _ResultBackend(url=url, namespace=f"{NAMESPACE}-results")
    return WakingBroker(url=url, namespace=NAMESPACE, middleware=[Results(backend=backend)]), backend


def declare(broker: RedisBroker, lane: str, fn: Any = None) -> dramatiq.Actor[Any, Any]:
    """The lane's actor on ``broker``; the sender declares it without a body (it only sends)."""
    def unused(req: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("this process only sends PDF jobs")

    return dramatiq.Actor(fn or unused, broker=broker, actor_name=f"pdf_{lane}", queue_name=QUEUES[lane],
                          priority=PRIORITIES[lane], options={"store_results": True})


class QueuePool(SigningPool):
    """The web process's side: each job goes to the lane's queue, documents go through Redis."""

    def __init__(self, url: str, store: BlobStore, box: SecretBox, timeout: float, bulk_timeout: float) -> None:
        super().__init__(0, timeout=timeout, bulk_timeout=bulk_timeout, memory_bytes=None)
        self.store = store
        self.box = box
        self.broker, self.backend = make_broker(url)
        self.actors = {lane: declare(self.broker, lane) for lane in QUEUES}
        self.waits = {SIGNING: timeout, BULK: min(bulk_timeout, timeout)}
        self.blobs = RedisBlobs(redis.Redis.from_url(url))

    def start(self) -> None:
        """Nothing to start here: the queue workers run elsewhere."""

    def worker_pids(self) -> list[int]:
        return []

    def reply(self, req: dict[str, Any]) -> dict[str, Any]:
        reply = self._reply(req)
        missing = reply.get("missing")
        if missing and self.blobs.forget(missing):  # Redis lost what this node thought it kept: send it again
            reply = self._reply(req)
        return reply

    def _reply(self, req: dict[str, Any]) -> dict[str, Any]:
        lane = lane_of(req["op"])
        wait = PING_WAIT_SECONDS if req["op"] == "ping" else self.waits[lane] + QUEUE_WAIT_SECONDS
        sent = time.monotonic()
        documents = {sha: partial(self.store.get, sha) for sha in input_blobs(req)}
        staged = {sha: cmd for sha, read in documents.items() if (cmd := self.blobs.stage(sha, read, wait))}
        if req.get("tsa"):
            sealed = self.box.seal(json.dumps(req["tsa"]).encode(), TSA_PURPOSE)
            req = {**req, "tsa": None, "tsa_sealed": base64.b64encode(sealed).decode()}
        message = self.broker.send(self.actors[lane], req, tuple(staged.values()))
        for sha in staged:
            self.blobs.kept(sha, sent)
        try:
            reply: dict[str, Any] = message.get_result(backend=self.backend, block=True, timeout=int(wait * 1000))
        except ResultTimeout as exc:
            if req["op"] in DOCUMENT_OPS:
                log.warning("pdf queue gave no answer on %s", req["op"])
                return too_complex()
            raise PdfWorkerError("pdf queue gave no answer") from exc
        if reply.get("ok"):
            for sha in produced_blobs(req, reply["result"]):
                self.blobs.fetch(sha, self.store)
                self.blobs.kept(sha, sent)  # the worker put it there after this job was sent
        return reply

    def close(self) -> None:
        self.broker.close()


def build_pool(config: Config, store: BlobStore) -> SigningPool:
    """The PDF workers the configuration asks for: the task queue, or this process's own workers."""
    if config.pdf_queue_url:
        box = SecretBox(load_secret(config.instance_path, "master", "SIGNER_MASTER_KEY"))
        return QueuePool(config.pdf_queue_url, store, box, timeout=config.pdf_timeout_seconds,
                         bulk_timeout=config.bulk_timeout_seconds)
    return local_pool(config, config.signing_workers, config.bulk_workers)


def local_pool(config: Config, workers: int, bulk_workers: int) -> SigningPool:
    """This machine's worker processes as the configuration limits and schedules them."""
    return SigningPool(workers, timeout=config.pdf_timeout_seconds, bulk_workers=bulk_workers,
                       bulk_timeout=config.bulk_timeout_seconds, memory_bytes=config.pdf_memory_mb * 1024 * 1024,
                       blob_root=config.blob_path, nice=config.pdf_nice, bulk_nice=config.bulk_pdf_nice)


class QueueJobs:
    """The queue worker's side: fetch a job's documents, run it in the local pool, hand back the results."""

    def __init__(self, pool: SigningPool, store: BlobStore, blobs: RedisBlobs, box: SecretBox,
                 font_paths: list[str]) -> None:
        self.pool = pool
        self.box = box
        self.store = store
        self.blobs = blobs
        self.font_paths = font_paths
        # Documents already in the local store (fetched or produced here): a round's next step usually
        # reads what this worker wrote, so it need not come back from Redis.
        self._local: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def _open_tsa(self, sealed: str) -> dict[str, Any]:
        try:
            return dict(json.loads(self.box.open(base64.b64decode(sealed), TSA_PURPOSE)))
        except InvalidTag as exc:
            raise PdfWorkerError("cannot open the TSA credentials: this queue worker's SIGNER_MASTER_KEY is not "
                                 "the web nodes'") from exc

    def _have(self, sha256: str) -> bool:
        with self._lock:
            return sha256 in self._local

    def _keep(self, sha256: str) -> None:
        with self._lock:
            self._local[sha256] = None
            if len(self._local) > 1024:
                self._local.popitem(last=False)

    def __call__(self, req: dict[str, Any]) -> dict[str, Any]:
        try:
            for blob in input_blobs(req):
                if not self._have(blob):
                    self.blobs.fetch(blob, self.store)
                    self._keep(blob)
            if req.get("font_paths"):  # the web node's paths: this machine prepared its own copies
                if not self.font_paths:
                    raise PdfWorkerError("this queue worker has no CJK stamp font (install fonts-noto-cjk)")
                req = {**req, "font_paths": self.font_paths}
            if req.get("tsa_sealed"):
                req = {**req, "tsa": self._open_tsa(req.pop("tsa_sealed"))}
            reply = self.pool.reply(req)
            if not reply.get("ok"):
                return reply
            produced = {sha: self.store.get(sha) for sha in produced_blobs(req, reply["result"])}
            for sha in produced:
                self._keep(sha)
            return Produced(reply, produced)
        except (PdfWorkerError, OSError, redis.RedisError) as exc:
            log.error("pdf queue job %s failed: %s", req.get("op"), exc)
            failed = {"ok": False, "kind": "internal", "message": repr(exc)}
            return {**failed, "missing": exc.sha256} if isinstance(exc, DocumentMissing) else failed


def run_queue_worker(config: Config, lanes: tuple[str, ...] = (SIGNING, BULK)) -> None:
    """``signer pdf-worker``: answer the queues of ``lanes`` until SIGTERM/SIGINT.

    One Dramatiq worker per lane, each with as many threads as its lane has worker processes, so a
    lane's jobs wait only for their own lane.
    """
    from dramatiq import Worker

    url = config.pdf_queue_url
    if not url:
        raise SystemExit("SIGNER_PDF_QUEUE is not set (redis://…)")
    store = FileBlobStore(config.blob_path)
    pool = local_pool(config, max(1, config.signing_workers), max(1, config.bulk_workers))
    pool.start()
    box = SecretBox(load_secret(config.instance_path, "master", "SIGNER_MASTER_KEY"))
    jobs = QueueJobs(pool, store, RedisBlobs(redis.Redis.from_url(url)), box, ensure_stamp_fonts(config))
    workers = []
    for lane in lanes:
        broker, _backend = make_broker(url)  # one per lane: each worker consumes only its own queue
        declare(broker, lane, jobs)
        threads = pool.lanes[lane].size
        workers.append(Worker(broker, queues={QUEUES[lane]}, worker_threads=threads,
                              worker_timeout=IDLE_WAIT_SECONDS * 1000))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for worker in workers:
        worker.start()
    log.info("pdf queue worker ready", extra={"queues": [QUEUES[lane] for lane in lanes]})
    stop.wait()
    for worker in workers:
        worker.stop()
    pool.close()
