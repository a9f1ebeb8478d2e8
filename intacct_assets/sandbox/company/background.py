"""Background "users" who edit, create and delete records while clients sync (seeded RNG).

``run(n)`` performs n edits synchronously (tests call it directly); the thread calls it at
``knobs.background_edit_rate`` edits per second.
"""

from __future__ import annotations

import random
import threading

from intacct_assets.sandbox.company.service import Caller, Company
from intacct_assets.sandbox.errors import SandboxError

EDITABLE = ("CUSTOMER", "VENDOR", "CONTACT", "PROJECT", "GLBATCH")
USER = Caller("bg_user", "ui")


class BackgroundUsers:
    def __init__(self, company: Company, seed: int) -> None:
        self.company, self.store, self.knobs = company, company.store, company.knobs
        self._rng = random.Random(f"background-{seed}")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="intacct-sandbox-users", daemon=True)
        self.done: list[tuple[str, str, int]] = []  # (operation, object, key) for inspection

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def run(self, edits: int = 1) -> list[tuple[str, str, int]]:
        with self._lock:
            return [self._edit() for _ in range(edits)]

    def _edit(self) -> tuple[str, str, int]:
        rng, store, company = self._rng, self.store, self.company
        obj = rng.choice(EDITABLE)
        defn = store.registry[obj]
        roll = rng.random()
        with store.lock:
            keys = list(store.tables[obj].rows)
        try:
            if obj == "GLBATCH" or (roll < 0.15 and obj != "CONTACT"):
                record = self._create(obj)
                outcome = ("create", obj, record["RECORDNO"])
            elif roll < 0.25 and keys:
                key = rng.choice(keys)
                company.delete(defn, key, USER)
                outcome = ("delete", obj, key)
            elif keys:
                key = rng.choice(keys)
                company.update(defn, key, self._changes(obj), USER)
                outcome = ("update", obj, key)
            else:
                outcome = ("skip", obj, 0)
        except SandboxError:  # e.g. a concurrent delete won the race: skip this edit
            outcome = ("skip", obj, 0)
        self.done.append(outcome)
        return outcome

    def _changes(self, obj: str) -> dict:
        rng = self._rng
        if obj == "CONTACT":
            return {"PHONE1": f"+1 555 {rng.randint(0, 9999):04d}"}
        if obj == "PROJECT":
            return {"DESCRIPTION": f'Re-planned, "phase" {rng.randint(1, 9)}'}
        return {
            "COMMENTS": f"Edited by a user, note #{rng.randint(1, 999)}",
            "CREDITLIMIT": f"{rng.randint(1, 900) * 100}.00",
            "ONHOLD": rng.random() < 0.1,
        }

    def _create(self, obj: str) -> dict:
        rng, store = self._rng, self.store
        defn = store.registry[obj]
        if obj == "GLBATCH":
            accounts = list(store.tables["GLACCOUNT"].by_id)
            amount = f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}"
            lines = [
                {"TR_TYPE": 1, "ACCOUNTNO": rng.choice(accounts), "TRX_AMOUNT": amount},
                {"TR_TYPE": -1, "ACCOUNTNO": rng.choice(accounts), "TRX_AMOUNT": amount},
            ]
            day = store.clock.now().date().isoformat()
            fields = {"BATCH_DATE": day, "BATCH_TITLE": "Accrual, entered by a user"}
            return self.company.create(defn, fields, lines, USER)
        if obj == "PROJECT":
            fields = {"PROJECTID": f"P-BG{rng.randint(0, 10**9):09d}", "NAME": "New project"}
            return self.company.create(defn, fields, None, USER)
        fields = {"NAME": f"New {obj.title()} {rng.randint(1, 10**6)}, Inc."}
        return self.company.create(defn, fields, None, USER)

    def _loop(self) -> None:
        while not self._stop.is_set():
            rate = self.knobs.background_edit_rate
            if self._stop.wait(1 / rate if rate else 0.5):
                return
            if self.knobs.background_edit_rate:
                self.run(1)
