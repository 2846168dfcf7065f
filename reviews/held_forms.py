"""Cast forms wait sealed, then enter the ballot tables in shuffled batches.

Why: a database administrator who watches the tables sees each code marked used the
moment it casts (its row's ``xmin`` is the casting transaction's id), and would see the
form it cast appear at the same moment, in the same transaction, at the next place in
the table. So a cast does not write its form where forms are counted. It writes it to
HeldForm, sealed: encrypted with AES-GCM under a key derived from the settings'
SECRET_KEY (never stored in the database) and padded to one length for every form of
its box, so the held row tells neither what the form says nor how long it is. Later,
in one transaction, a batch of held forms of one box is opened, shuffled and written
out as ballots, and the held rows are deleted: each ballot of the batch is then as
likely as any other to be the one a given code cast.

A batch is at least ``batch_size`` (k) forms. Before the close a box releases only when
it holds 2k or more, and then keeps k back, so the forms left for the close are never
fewer than k either; at the close every held form goes out. A box that gets fewer than
k forms in all is released as one batch at the close (the README says so).

The held row is in PostgreSQL from the moment the cast commits: a form answered
"saved" survives the worker, Redis and PostgreSQL restarting. Each box is a string
bound into the seal (``kind:box_id:category``), so a sealed form cannot be moved to
another box. Nothing here logs, and nothing keeps a time.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection, transaction
from django.utils.crypto import salted_hmac

from reviews.models import HeldForm

NONCE_BYTES = 12
LENGTH_BYTES = 4  # the payload's own length, inside the seal, ahead of the padding
SEAL_SALT = "reviews.held_forms"
DELETE_CHUNK = 500  # ids per DELETE: under SQLite's limit on parameters


class HeldFormUnreadable(RuntimeError):
    """A held form does not open with the SECRET_KEY or any of SECRET_KEY_FALLBACKS: the
    key it was sealed with is gone. The batch stays held; nothing is counted short."""


def _keys() -> list[bytes]:
    """The sealing key first, then keys that still open forms sealed before a rotation."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [salted_hmac(SEAL_SALT, "seal", secret=secret, algorithm="sha256").digest() for secret in secrets]


def _box(kind: str, box_id: int, category: str) -> bytes:
    return f"{kind}:{box_id}:{category}".encode()


def form_seal(payload: bytes, *, size: int, box: bytes) -> bytes:
    """``payload`` padded to ``size`` bytes and encrypted for ``box``."""
    if len(payload) > size:
        raise ValueError(f"a form of {len(payload)} bytes does not fit its box's {size}")
    padded = len(payload).to_bytes(LENGTH_BYTES, "big") + payload + bytes(size - len(payload))
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_keys()[0]).encrypt(nonce, padded, box)


def form_unseal(sealed: bytes, *, box: bytes) -> bytes:
    """The payload form_seal sealed for ``box``, or HeldFormUnreadable."""
    nonce, body = bytes(sealed[:NONCE_BYTES]), bytes(sealed[NONCE_BYTES:])
    for key in _keys():
        try:
            padded = AESGCM(key).decrypt(nonce, body, box)
        except InvalidTag:
            continue
        length = int.from_bytes(padded[:LENGTH_BYTES], "big")
        return padded[LENGTH_BYTES : LENGTH_BYTES + length]
    raise HeldFormUnreadable(
        "a held form does not open with SECRET_KEY or SECRET_KEY_FALLBACKS; "
        "put the key it was sealed with back into SECRET_KEY_FALLBACKS"
    )


def form_hold(*, kind: str, box_id: int, category: str, payload: bytes, size: int) -> None:
    """Store one cast form sealed, in the caller's transaction (the one that claims its
    code). Written out: it runs for every form cast."""
    as_key = HeldForm._meta.pk.get_db_prep_value
    sealed = form_seal(payload, size=size, box=_box(kind, box_id, category))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reviews_heldform (id, kind, box_id, category, sealed) VALUES (%s, %s, %s, %s, %s)",
            [as_key(uuid.uuid4(), connection), kind, box_id, category, sealed],
        )


def held_counts(kind: str) -> dict[tuple[int, str], int]:
    """{(box id, category): forms held} for every box of ``kind`` holding any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT box_id, category, count(*) FROM reviews_heldform WHERE kind = %s GROUP BY box_id, category",
            [kind],
        )
        return {(box_id, category): count for box_id, category, count in cursor.fetchall()}


def forms_release(
    *,
    kind: str,
    box_id: int,
    category: str,
    batch_size: int,
    final: bool,
    store: Callable[[list[bytes]], None],
) -> int:
    """Release a shuffled batch of the box's held forms: ``store`` gets their payloads
    in random order and writes them as ballots, and the held rows are deleted, in one
    transaction. Before the close (``final`` False) only when 2k or more are held, and k
    stay back; at the close all of them. Returns how many were released.

    Releases of one box take turns: the held rows are locked, so a second release waits
    and then finds the rows the first took gone."""
    with transaction.atomic():
        held = list(
            HeldForm.objects.select_for_update()
            .filter(kind=kind, box_id=box_id, category=category)
            .values_list("id", "sealed")
        )
        if not final:
            if len(held) < 2 * batch_size:
                return 0
            held = random.SystemRandom().sample(held, len(held) - batch_size)
        if not held:
            return 0
        random.SystemRandom().shuffle(held)
        box = _box(kind, box_id, category)
        store([form_unseal(sealed, box=box) for _id, sealed in held])
        taken = [held_id for held_id, _sealed in held]
        for start in range(0, len(taken), DELETE_CHUNK):
            HeldForm.objects.filter(id__in=taken[start : start + DELETE_CHUNK]).delete()
    return len(held)
