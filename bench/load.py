"""The whole service under load (issue 12): Locust users over the real HTTP and Socket.IO protocol.

A user is a PC page and the phone that signs for it: the PC logs in (once), uploads a PDF with one seal at
B-B, joins its session on ``/pc`` and waits for the pushes, the phone (the reference APP client, ``mobile/``)
scans the frame, approves and signs the round, the PC downloads the signed PDF. Phones keep their unlocked
key (the scrypt verifier and the opened private key), so the server is measured, not the phones' KDF.
``signer serve`` runs as a subprocess (SQLite, 2 PDF workers per lane) on a free loopback port with a
throwaway instance; its CPU comes from its process tree (user + system of the server and its children).

    .venv/bin/python bench/load.py [--quick] [--only P1,P2,...]

P2, P2b and P3 are measured with 50 people signing at once: a new session opens as soon as a user's last
one is done (so 50 are open all along), and the phone side waits as a person does (``THINK``: 2–6 s from
the QR frame to the scan, 4–12 s from 已扫码 to the approval, i.e. reading what will be signed and typing
the signing password; uniform, seeded per user; the people arrive over ``ARRIVAL_SECONDS``, after a few
warm-up sessions). The same users with no think time at all saturate the machine; that run is printed on
its own line as the throughput and queueing figure. The load process shares the machine's cores with the
server: each line says how much CPU it took.

Figures, each with its baseline or target (the issue's table):
  P1  raw pyHanko CPU per signature ÷ server CPU per signed session          target ≥ 0.5
  P2  scan → PC 已扫码 push, p99, at 50 concurrent sessions                   target ≤ 50 ms
  P2b last round → PC 已签署 push, p99, at 50 concurrent sessions             target ≤ 1.5× raw signing
  P3  ping round trip p99 of idle /pc sockets while signing at full load    target ≤ 100 ms (1,000 sockets)
  P4  server memory per waiting QR session (RSS delta ÷ count)              target ≤ 100 KB (5,000 waiting)
  P5  sessions/s, two processes on PostgreSQL + Redis ÷ one process         target ≥ 1.8
"""

from __future__ import annotations

import locust  # first: it monkey-patches the standard library for gevent

# isort: split
import argparse
import base64
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import gevent
import gevent.event
import psutil
import socketio
import websocket
from gevent.pool import Pool
from locust.env import Environment
from locust.exception import StopUser

from keystore import load_private_key, open_keystore, unlock_response, verifier_from_password
from mobile import AppClient
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf

BENCH = Path(__file__).resolve().parent
ONE_SEAL = [{"seal": "company", "page": 1, "x": 60, "y": 60, "width": 150, "height": 110}]
SERVER_ENV = {"SIGNER_SIGNING_WORKERS": "2", "SIGNER_BULK_WORKERS": "2", "SIGNER_USAGE_LIMIT": "10000000",
              "SIGNER_UPLOADS_PER_ENTERPRISE": "1000", "SIGNER_SESSION_TTL": "900"}


# --- the server and its process tree ------------------------------------------------------------


def tree_cpu(pid: int) -> tuple[float, float]:
    """(whole tree, serving process alone) CPU seconds, user + system."""
    root = psutil.Process(pid)
    own = sum(root.cpu_times()[:2])
    total = own
    for child in root.children(recursive=True):
        with suppress(psutil.NoSuchProcess):
            total += sum(child.cpu_times()[:2])
    return total, own


def rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


@contextmanager
def server(env: dict[str, str] | None = None, count: int = 1) -> Iterator[list[LiveServer]]:
    """``count`` servers on one instance folder (the first runs ``signer init``)."""
    instance = Path(tempfile.mkdtemp(prefix="signer-load-")) / "instance"
    started: list[LiveServer] = []
    try:
        for i in range(count):
            started.append(LiveServer(instance, env={**SERVER_ENV, **(env or {})}, init=i == 0).start(timeout=180))
        yield started
    finally:
        for live in reversed(started):
            live.stop()


# --- a phone that keeps its unlocked key ----------------------------------------------------------


@dataclass
class PhoneKey:
    """The demo phone's certificate, logged-in state folder and unlocked key, shared by every simulated phone."""

    home: Path
    cert_id: int
    verifier: bytes = b""
    password_key: bytes = b""
    key: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class CachedKeyPhone(AppClient):
    """The reference APP client, with ``approve`` using the cached verifier and key (no KDF per session)."""

    def __init__(self, url: str, cached: PhoneKey) -> None:
        super().__init__(url, cached.home)
        self.cached = cached

    def approve_cached(self, on_last_round: Callable[[], None]) -> None:
        scan = self._pending()
        challenge = scan["challenge"]
        response = unlock_response(self.cached.verifier, base64.b64decode(challenge["nonce"]))
        result = self._call("approve", {"session_id": scan["session_id"], "challenge_id": challenge["id"],
                                        "response": base64.b64encode(response).decode()})
        with self.cached.lock:
            if self.cached.key is None:
                ks = self.storage.load_keystore(self.cached.cert_id)
                der = open_keystore(ks, self.cached.password_key, base64.b64decode(result["share"]), self.device_id)
                self.cached.key = load_private_key(der)
        rnd = result["round"]
        try:
            while True:
                if rnd["position"] + 1 == rnd["total"]:
                    on_last_round()
                answer = self._sign_round(self.cached.key, scan["session_id"], rnd, None)
                if answer.get("done"):
                    return
                rnd = answer["round"]
        finally:
            self.close()


def enrol_phone(url: str) -> PhoneKey:
    home = Path(tempfile.mkdtemp(prefix="signer-load-phone-"))
    phone = AppClient(url, home)
    phone.login("operator1", DEMO_PASSWORD)
    cert_id = phone.certificates()[0]["id"]
    phone.download_certificate(cert_id, SIGNING_PASSWORD)
    password_key, verifier = verifier_from_password(SIGNING_PASSWORD, phone.storage.load_keystore(cert_id).kdf)
    return PhoneKey(home, cert_id, verifier, password_key)


def same_phone_at(key: PhoneKey, url: str) -> PhoneKey:
    """The same phone (device, token, keystore) talking to another process of the same deployment: the APP
    client sends its token only to the server that issued it, so its state names that process."""
    home = Path(tempfile.mkdtemp(prefix="signer-load-phone-")) / "phone"
    shutil.copytree(key.home, home)
    AppClient(url, home).storage.update_state(server_url=url)
    return PhoneKey(home, key.cert_id, key.verifier, key.password_key)


def pc_login(url: str) -> PcClient:
    pc = PcClient(url)
    pc.login("admin", DEMO_PASSWORD)
    return pc


# --- one signed session ---------------------------------------------------------------------------


@dataclass
class Samples:
    scanned_ms: list[float] = field(default_factory=list)
    signed_ms: list[float] = field(default_factory=list)
    session_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@dataclass
class Target:
    """Where a user's PC and phone talk to (different servers in the two-process run)."""

    pc_url: str
    phone_url: str
    login: PcClient
    phone_key: PhoneKey


def no_think(step: str) -> None:
    """Zero think time: the phone acts the moment it can."""


def signed_session(target: Target, samples: Samples, think: Callable[[str], None] = no_think) -> None:
    """create → join → QR frame → scan → 已扫码 → approve → sign → 已签署 → download; ``think("scan")`` and
    ``think("approve")`` are the person's pauses before each."""
    begun = time.perf_counter()
    pc = PcClient(target.pc_url)
    pc.http.cookies.update(target.login.http.cookies)
    pc.csrf = target.login.csrf
    phone = CachedKeyPhone(target.phone_url, target.phone_key)
    try:
        created = pc.create_session(sample_pdf("Load contract"), "压力测试合同", ONE_SEAL)
        created.raise_for_status()
        session_id = created.json()["id"]
        pc.join(session_id)
        pc.shown_frame(timeout=30)  # sent with the join
        think("scan")
        sent = time.perf_counter()
        phone.scan(pc.frames[-1]["payload"])  # the frame on the page when the person scans
        pc.wait_status("scanned")
        samples.scanned_ms.append((time.perf_counter() - sent) * 1000)
        think("approve")
        last: list[float] = []
        phone.approve_cached(lambda: last.append(time.perf_counter()))
        pc.wait_status("signed")
        samples.signed_ms.append((time.perf_counter() - last[-1]) * 1000)
        if pc.download(session_id).status_code != 200:
            raise RuntimeError("download refused")
        samples.session_ms.append((time.perf_counter() - begun) * 1000)
    finally:
        pc.close()
        phone.close()


# --- Locust users ---------------------------------------------------------------------------------


class Budget:
    """How many sessions the users may still start; set ``done`` once they all finished."""

    def __init__(self, sessions: int | None, seconds: float | None = None) -> None:
        self.left = sessions
        self.until = time.monotonic() + seconds if seconds else None
        self.running = 0
        self.completed = 0
        self.done = gevent.event.Event()

    def take(self) -> bool:
        if (self.left is not None and self.left <= 0) or (self.until is not None and time.monotonic() >= self.until):
            if self.running == 0:
                self.done.set()
            return False
        if self.left is not None:
            self.left -= 1
        self.running += 1
        return True

    def finish(self, ok: bool) -> None:
        self.running -= 1
        self.completed += ok


@dataclass(frozen=True)
class ThinkTimes:
    """How long a person takes on the phone side, in seconds (uniform in each range, seeded per user)."""

    scan: tuple[float, float] = (2.0, 6.0)  # QR frame on the page → phone out, app open, scanned
    approve: tuple[float, float] = (4.0, 12.0)  # 已扫码 → read what will be signed, type the signing password
    seed: int = 12

    def describe(self) -> str:
        return (f"think time {self.scan[0]:g}–{self.scan[1]:g} s frame → scan, "
                f"{self.approve[0]:g}–{self.approve[1]:g} s scan → approve")


THINK = ThinkTimes()
ARRIVAL_SECONDS = 10  # the people of a think-time run start their first session spread over this time


class SigningUser(locust.User):
    """A PC page with its phone, one signed session after another (the next opens when one is done)."""

    wait_time = locust.constant(0)
    targets: ClassVar[list[Target]] = []
    samples = Samples()
    budget = Budget(0)
    think: ThinkTimes | None = None
    _next = 0

    def on_start(self) -> None:
        cls = SigningUser
        self.target = cls.targets[cls._next % len(cls.targets)]
        self.rng = random.Random(f"{cls.think.seed if cls.think else 0}-{cls._next}")
        cls._next += 1

    def pause(self, step: str) -> None:
        if SigningUser.think is not None:
            low, high = getattr(SigningUser.think, step)
            gevent.sleep(self.rng.uniform(low, high))

    @locust.task
    def sign(self) -> None:
        budget = SigningUser.budget
        if not budget.take():
            raise StopUser()
        started = time.perf_counter()
        ok = False
        try:
            signed_session(self.target, SigningUser.samples, self.pause)
            ok = True
        except Exception as exc:  # counted and shown; the run goes on
            SigningUser.samples.failures.append(f"{type(exc).__name__}: {exc}"[:200])
            self.environment.events.request.fire(request_type="session", name="signed session",
                                                 response_time=(time.perf_counter() - started) * 1000,
                                                 response_length=0, exception=exc)
        else:
            self.environment.events.request.fire(request_type="session", name="signed session",
                                                 response_time=(time.perf_counter() - started) * 1000,
                                                 response_length=0, exception=None)
        finally:
            budget.finish(ok)


def run_users(targets: list[Target], users: int, budget: Budget, think: ThinkTimes | None = None,
              spawn_rate: float | None = None) -> tuple[Samples, float]:
    """Run ``users`` Locust users (started ``spawn_rate`` a second; default all at once) until the budget is
    spent; returns the samples and the elapsed seconds."""
    SigningUser.targets, SigningUser.samples, SigningUser.budget, SigningUser._next = targets, Samples(), budget, 0
    SigningUser.think = think
    env = Environment(user_classes=[SigningUser])
    runner = env.create_local_runner()
    started = time.perf_counter()
    runner.start(users, spawn_rate=spawn_rate or max(users, 1))
    while not budget.done.wait(0.5):
        if runner.user_count == 0 and budget.running == 0:
            break
    elapsed = time.perf_counter() - started
    runner.quit()
    return SigningUser.samples, elapsed


# --- idle /pc sockets (P3, P4) ----------------------------------------------------------------------


def open_pc_socket(url: str, cookies: str) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(url, namespaces=["/pc"], transports=["websocket"], headers={"Cookie": cookies},
                   wait_timeout=60)
    return client


def ping(client: socketio.Client) -> float:
    """One application round trip on ``/pc``: an empty ``join`` the server answers with a validation error."""
    started = time.perf_counter()
    reply = client.call("join", {}, namespace="/pc", timeout=30)
    if reply.get("ok") is not False:
        raise RuntimeError(f"unexpected ping answer {reply}")
    return (time.perf_counter() - started) * 1000


def cookie_header(pc: PcClient) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in pc.http.cookies)


# --- the figures ------------------------------------------------------------------------------------


def p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def raw_baseline(runs: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, str(BENCH / "signing_bench.py"), "--raw-json", "--runs", str(runs)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(line: str) -> None:
    print(line, flush=True)


def figure_p1(url: str, pid: int, target: Target, sessions: int, raw: dict[str, float]) -> None:
    run_users([target], 1, Budget(2))  # warm: imports, fonts, first connections
    before = tree_cpu(pid)
    samples, _ = run_users([target], 1, Budget(sessions))
    total, web = (a - b for a, b in zip(tree_cpu(pid), before, strict=True))
    done = len(samples.session_ms)
    if not done:
        report(f"P1   no session completed: {samples.failures[:3]}")
        return
    per, per_web = total / done, web / done
    report(f"P1   server CPU per signed session: {per * 1000:.0f} ms (web process {per_web * 1000:.0f} ms, "
           f"PDF workers {(per - per_web) * 1000:.0f} ms) over {done} sessions one after another")
    report(f"     raw pyHanko CPU per signature: {raw['cpu_s'] * 1000:.1f} ms → P1 = raw ÷ ours = "
           f"{raw['cpu_s'] / per:.2f}  (target ≥ 0.5; 0.12 when the issue was filed)")
    report(f"     with the service's own stamp (seal image, Chinese line) raw is {raw['cpu_seal_s'] * 1000:.1f} ms → "
           f"{raw['cpu_seal_s'] / per:.2f}")


@dataclass
class Shares:
    """CPU the load process and the server's process tree took during a run, as shares of the machine."""

    load: float = 0.0
    server: float = 0.0
    web: float = 0.0
    loadavg: float = 0.0

    def describe(self) -> str:
        return (f"CPU: server tree {self.server:.0%} (web process {self.web:.0%}), load process {self.load:.0%} "
                f"of the machine's {psutil.cpu_count()} cores; load average {self.loadavg:.1f}")


@contextmanager
def cpu_shares(server_pid: int) -> Iterator[Shares]:
    me = psutil.Process()
    shares = Shares()
    load, (served, web), started = sum(me.cpu_times()[:2]), tree_cpu(server_pid), time.perf_counter()
    yield shares
    capacity = (time.perf_counter() - started) * (psutil.cpu_count() or 1)
    shares.load = (sum(me.cpu_times()[:2]) - load) / capacity
    now_served, now_web = tree_cpu(server_pid)
    shares.server, shares.web = (now_served - served) / capacity, (now_web - web) / capacity
    shares.loadavg = os.getloadavg()[0]


def throughput(samples: Samples, elapsed: float) -> str:
    done = len(samples.session_ms)
    open_on_average = sum(samples.session_ms) / 1000 / elapsed
    return (f"{done} sessions in {elapsed:.1f} s = {done / elapsed:.2f} sessions/s, {open_on_average:.0f} open on "
            f"average, {len(samples.failures)} failed {samples.failures[:2]}")


def figure_p2(target: Target, pid: int, users: int, sessions: int, raw: dict[str, float]) -> Samples:
    limit = 1.5 * raw["wall_s"] * 1000
    run_users([target], 2, Budget(4))  # warm: imports, fonts in each PDF worker, first connections
    with cpu_shares(pid) as shares:  # people arrive over ARRIVAL_SECONDS, not all in the same instant
        samples, elapsed = run_users([target], users, Budget(sessions), THINK, users / ARRIVAL_SECONDS)
    report(f"P2   scan → PC 已扫码 p99, {users} concurrent sessions ({users} people signing: {THINK.describe()}): "
           f"{p99(samples.scanned_ms):.0f} ms (median {statistics.median(samples.scanned_ms or [0]):.0f} ms; "
           f"target ≤ 50 ms)")
    report(f"P2b  last round → PC 已签署 p99, same run: {p99(samples.signed_ms):.0f} ms "
           f"(median {statistics.median(samples.signed_ms or [0]):.0f} ms; target ≤ 1.5 × raw signing "
           f"{raw['wall_s'] * 1000:.0f} ms, its least wall time, = {limit:.0f} ms)")
    report(f"     {throughput(samples, elapsed)}; {shares.describe()}")
    with cpu_shares(pid) as shares:
        saturated, elapsed = run_users([target], users, Budget(sessions))
    report(f"sat  saturation (the same {users} users with zero think time: throughput and queueing, not P2): "
           f"已扫码 p99 {p99(saturated.scanned_ms):.0f} ms (median {statistics.median(saturated.scanned_ms or [0]):.0f}"
           f" ms), 已签署 p99 {p99(saturated.signed_ms):.0f} ms (median "
           f"{statistics.median(saturated.signed_ms or [0]):.0f} ms)")
    report(f"     {throughput(saturated, elapsed)}; {shares.describe()}")
    return samples


def figure_p3(url: str, target: Target, pid: int, sockets: int, users: int, sessions: int) -> None:
    cookies = cookie_header(target.login)
    pool = Pool(50)
    idle = [s for s in pool.imap_unordered(lambda _: open_pc_socket(url, cookies), range(sockets))]

    def pinged(think: ThinkTimes | None) -> tuple[list[float], Samples, Shares]:
        rtts: list[float] = []
        stop = gevent.event.Event()

        def pinger() -> None:
            i = 0
            while not stop.is_set():
                rtts.append(ping(idle[i % len(idle)]))
                i += 1
                gevent.sleep(0.02)

        with cpu_shares(pid) as shares:
            pingers = [gevent.spawn(pinger) for _ in range(4)]
            samples, _ = run_users([target], users, Budget(sessions), think,
                                   users / ARRIVAL_SECONDS if think else None)
            stop.set()
            gevent.joinall(pingers)
        return rtts, samples, shares

    for label, think in (("P3  ", THINK), ("sat ", None)):
        rtts, samples, shares = pinged(think)
        who = f"{users} people sign ({think.describe()})" if think else \
            f"{users} users sign with zero think time (saturation, not P3)"
        report(f"{label} ping round trip p99 of {sockets} idle /pc sockets while {who}: {p99(rtts):.0f} ms "
               f"(median {statistics.median(rtts or [0]):.0f} ms, {len(rtts)} pings, {len(samples.session_ms)} "
               f"sessions signed meanwhile; target ≤ 100 ms at 1,000 sockets)")
        report(f"     {shares.describe()}")
    for client in idle:
        client.disconnect()


# P4's server: room for thousands of sessions created back to back, all still waiting when measured.
P4_ENV = {"SIGNER_UPLOADS_PER_ENTERPRISE": "100000", "SIGNER_SESSION_TTL": "3600"}
P4_STEADY_SECONDS = 10.0  # steady state after the last page joined: frames flow, CPU is read over this window


class WaitingPage:
    """A PC page on its session, over the bare Socket.IO wire protocol (Engine.IO 4 on a WebSocket): it joins,
    answers the server's pings and reads and counts every frame without keeping it. Thousands fit in the load
    process, and a slow reader never holds the server's sends back (which would grow its memory)."""

    def __init__(self, url: str, cookies: str, session_id: str) -> None:
        self.frames = 0
        self.open = True
        self.ws = websocket.create_connection(url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                                              header=[f"Cookie: {cookies}"], timeout=60)
        try:
            self._expect("0")  # Engine.IO open
            self.ws.send("40/pc,")
            self._expect("40/pc,")  # namespace connected (44/pc, would be a refusal)
            self.ws.send("42/pc,1" + json.dumps(["join", {"session_id": session_id}]))
            reply = json.loads(self._expect("43/pc,1"))[0]
            if not reply.get("ok") or reply["result"]["status"] != "waiting":
                raise RuntimeError(f"join refused: {reply}")
        except Exception:
            self.ws.close()
            raise
        self.ws.settimeout(None)
        self._reader = gevent.spawn(self._read)

    def _expect(self, prefix: str) -> str:
        while True:
            message = self._take(self.ws.recv())
            if message.startswith(prefix):
                return message[len(prefix):]

    def _take(self, message: str) -> str:
        if message == "2":  # ping
            self.ws.send("3")
        elif message.startswith('42/pc,["qr"'):
            self.frames += 1
        return message

    def _read(self) -> None:
        try:
            while True:
                self._take(self.ws.recv())
        except Exception:  # closed by either side
            self.open = False

    def close(self) -> None:
        self._reader.kill()
        self.ws.close()


def waiting_page(url: str, login: PcClient) -> WaitingPage:
    """A new session (one seal), shown on a page with the creating browser's cookies."""
    creator = PcClient(url)
    creator.http.cookies.update(login.http.cookies)
    creator.csrf = login.csrf
    try:
        created = creator.create_session(sample_pdf("Waiting"), "等待扫码", ONE_SEAL)
        created.raise_for_status()
        return WaitingPage(url, cookie_header(creator), created.json()["id"])  # login and binding cookies
    finally:
        creator.http.close()


def figure_p4(waiting: int) -> None:
    with server(P4_ENV) as (live,):
        pid = live.proc.pid if live.proc else 0
        pc = pc_login(live.url)
        waiting_page(live.url, pc).close()  # one page first, so imports and first-use caches are not counted
        gevent.sleep(2)
        before = rss(pid)

        failures: list[str] = []

        def one(_: int) -> WaitingPage | None:
            try:
                return waiting_page(live.url, pc)
            except Exception as exc:  # a busy machine times out a handshake now and then: counted, not fatal
                failures.append(f"{type(exc).__name__}: {exc}"[:200])
                return None

        started = time.perf_counter()
        pages = [p for p in Pool(10).imap_unordered(one, range(waiting)) if p is not None]
        opened_s = time.perf_counter() - started
        gevent.sleep(P4_STEADY_SECONDS / 2)  # the server settles
        for page in pages:
            page.frames = 0
        cpu_before, window_start = tree_cpu(pid)[1], time.perf_counter()
        gevent.sleep(P4_STEADY_SECONDS)  # frames keep flowing
        window = time.perf_counter() - window_start  # a busy load process wakes up late
        cpu = (tree_cpu(pid)[1] - cpu_before) / window
        after = rss(pid)
        served = sum(1 for p in pages if p.open and p.frames > 0)
        for page in pages:
            page.close()
        per = (after - before) / max(len(pages), 1) / 1024
        report(f"P4   memory per waiting QR session: {per:.0f} KB (RSS {before / 2**20:.0f} → "
               f"{after / 2**20:.0f} MB over {len(pages)} waiting sessions, each with its PC page's socket, "
               f"opened in {opened_s:.0f} s; {len(failures)} could not be opened; target ≤ 100 KB at 5,000)")
        report(f"     steady state over {window:.0f} s: serving process CPU {cpu * 100:.0f}% of a core, "
               f"{served} of {len(pages)} pages still open and getting frames "
               f"({sum(p.frames for p in pages) / max(len(pages), 1):.1f} frames each, one per 2 s step)")
        if failures:
            report(f"     e.g. {failures[:2]}")


def figure_p5(users: int, seconds: float, phone_key_for: Callable[[str], PhoneKey]) -> None:
    import psycopg

    base = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    name = f"signer_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {"DATABASE_URL": base.rsplit("/", 1)[0] + "/" + name, "SIGNER_REDIS_URL": redis_url}
    rates: dict[str, float] = {}
    failed: dict[str, list[str]] = {}
    try:
        with server(env, count=2) as (first, second):
            phone_key = phone_key_for(first.url)
            one = [Target(first.url, first.url, pc_login(first.url), phone_key)]
            two = [Target(first.url, second.url, pc_login(first.url), same_phone_at(phone_key, second.url)),
                   Target(second.url, first.url, pc_login(second.url), phone_key)]
            run_users(one, 2, Budget(4))  # warm both
            run_users(two, 2, Budget(4))
            for label, targets in (("one", one), ("two", two)):
                samples, elapsed = run_users(targets, users, Budget(None, seconds))
                rates[label] = len(samples.session_ms) / elapsed
                failed[label] = samples.failures
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report(f"P5   sessions/s on PostgreSQL + Redis with {users} users: one process {rates['one']:.2f}, two processes "
           f"{rates['two']:.2f} → P5 = {rates['two'] / rates['one']:.2f}  (target ≥ 1.8; this machine has "
           f"{psutil.cpu_count()} cores for both processes, their PDF workers and the load)")
    for label, failures in failed.items():
        if failures:
            report(f"     {label}: {len(failures)} failed, e.g. {failures[:2]}")


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    return f"{model}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GB RAM"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument("--only", default="P1,P2,P3,P4,P5", help="comma-separated figures")
    parser.add_argument("--p4-pages", type=int, help="waiting pages for P4 (default 5,000; 100 with --quick)")
    args = parser.parse_args()
    only = {f.strip().upper() for f in args.only.split(",")}
    q = args.quick
    counts = {"p1": 5 if q else 60, "users": 10 if q else 50, "p2": 20 if q else 150, "sockets": 100 if q else 1000,
              "p4": 100 if q else 5000, "p5_seconds": 20 if q else 60, "raw_runs": 3 if q else 9}
    report(f"machine: {machine()}")
    no_raw = dict.fromkeys(("cpu_s", "cpu_median_s", "wall_s", "wall_median_s", "cpu_seal_s", "cpu_seal_median_s",
                            "wall_seal_s", "wall_seal_median_s"), 0.0)
    raw = raw_baseline(counts["raw_runs"]) if only & {"P1", "P2"} else no_raw
    if raw["cpu_s"]:
        for label, key in (("a plain text stamp", ""), ("the service's stamp", "_seal")):
            report(f"raw pyHanko (B-B, {label}, in-process key): CPU {raw[f'cpu{key}_s'] * 1000:.1f} ms, wall "
                   f"{raw[f'wall{key}_s'] * 1000:.1f} ms per signature (least of {counts['raw_runs']} warm runs; "
                   f"medians {raw[f'cpu{key}_median_s'] * 1000:.1f} and {raw[f'wall{key}_median_s'] * 1000:.1f} ms)")
    keys: dict[str, PhoneKey] = {}

    def phone_key_for(url: str) -> PhoneKey:
        if url not in keys:
            keys[url] = enrol_phone(url)
        return keys[url]

    if only & {"P1", "P2", "P3"}:
        with server() as (live,):
            pid = live.proc.pid if live.proc else 0
            target = Target(live.url, live.url, pc_login(live.url), phone_key_for(live.url))
            if "P1" in only:
                figure_p1(live.url, pid, target, counts["p1"], raw)
            if "P2" in only:
                figure_p2(target, pid, counts["users"], counts["p2"], raw)
            if "P3" in only:
                figure_p3(live.url, target, pid, counts["sockets"], counts["users"], counts["p2"] // 2)
    if "P4" in only:
        figure_p4(args.p4_pages or counts["p4"])
    if "P5" in only:
        figure_p5(counts["users"], counts["p5_seconds"], phone_key_for)


if __name__ == "__main__":
    main()
