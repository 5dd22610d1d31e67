"""Checking an evidence bundle offline: every signature, chain, range and receipt.

``verify_bundle`` is pure and never raises for a bad bundle: it lists every
failure with the path at fault and the reason (``logs.CN.entries[3]: seq 5
where 4 was expected: seq 4 missing between 3 and 5 (entries left out)``),
and exposes the verified entries so callers can check facts that span both
logs (receipts here; joint statements and endorsements elsewhere). The
format is described in ``detente.log.evidence``.

Keys across rotations: an entry of P's log may be signed by P's current
key (``parties.P.key_id``, the one a caller pins) or by an earlier key the
exporter lists in ``parties.P.earlier_keys``, the latter only below its
``until_seq`` (and its ``revoked_from_seq``, when revoked). P's checkpoint
and the exporter's seal must be by the current key, and a cosignature by
the witness's current key: the checkpoint's root fixes every entry's leaf
hash, so once the current keys of both parties vouch for it an earlier key
adds nothing an exporter could abuse, whereas an earlier key accepted as a
witness or a checkpoint signer would rest on the exporter's word alone.

It never trusts a key the caller pinned differently, never stops at the
first failure (an analyst wants them all), and never does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from detente.errors import DetenteError, UnknownKeyError
from detente.log.checkpoint import (
    SignedCheckpoint,
    open_checkpoint,
    parse_cosignature,
    verify_cosignature,
)
from detente.log.compact import CompactRange
from detente.log.evidence import (
    BUNDLE_TYPE,
    BUNDLE_VERSION,
    EARLIER_KEY_FIELDS,
    EARLIER_KEYS,
    LOG_FIELDS,
    PARTY_FIELDS,
    REVOKED_FROM,
    TOP_FIELDS,
    EvidenceReport,
    VerifiedEntry,
    signing_bytes,
)
from detente.log.merkle import verify_consistency
from detente.wire.canonical import parse_canonical
from detente.wire.entry import entry_id, open_envelope
from detente.wire.keys import VerifyKey, b64decode, key_id_of


def verify_bundle(data: bytes, *, keys: Mapping[str, VerifyKey] | None = None) -> EvidenceReport:
    """Check a bundle file's bytes; ``keys`` pins the parties' public keys (party -> key)."""
    report = EvidenceReport()
    body = data[:-1] if data.endswith(b"\n") else data
    try:
        parsed = parse_canonical(body, field="bundle")
    except DetenteError as exc:
        report.fail("bundle", f"{exc.reason} (a bundle is canonical JSON exactly as exported)")
        return report
    if not isinstance(parsed, dict):
        report.fail("bundle", "must be a JSON object")
        return report
    bundle: dict[str, Any] = parsed
    if not _check_top(bundle, report):
        return report
    verify_keys = _check_parties(bundle["parties"], keys or {}, report)
    logs: dict[str, _LogRun] = {}
    for party, run in sorted(bundle["logs"].items()):
        checked = _check_log(bundle["channel"], party, run, verify_keys, report)
        if checked is not None:
            logs[party] = checked
    _check_receipts(logs, report)
    wanted = _check_selection(bundle["selection"], logs, report)
    for run in logs.values():
        if wanted is None:
            report.entries.extend(run.entries)
        else:
            report.entries.extend(_with_selected(e, e.id in wanted) for e in run.entries)
    _check_signature(bundle, verify_keys, report)
    return report


def _check_top(bundle: dict[str, Any], report: EvidenceReport) -> bool:
    if bundle.get("type") != BUNDLE_TYPE:
        report.fail("type", f"is {bundle.get('type')!r:.60}, expected {BUNDLE_TYPE!r}")
        return False
    if bundle.get("v") != BUNDLE_VERSION:
        report.fail("v", f"version {bundle.get('v')!r:.20} is not supported (only 1)")
        return False
    missing = TOP_FIELDS - set(bundle)
    extra = set(bundle) - TOP_FIELDS
    if missing:
        report.fail("bundle", f"missing field(s) {sorted(missing)}")
    if extra:
        report.fail("bundle", f"unknown field(s) {sorted(extra)}")
    if missing:
        return False
    report.channel = str(bundle["channel"])
    report.exported_by = str(bundle["exported_by"])
    report.exported_t = str(bundle["exported_t"])
    ok = True
    for name in ("parties", "logs", "selection"):
        if not isinstance(bundle[name], dict):
            report.fail(name, "must be an object")
            ok = False
    if not isinstance(bundle["channel"], str):
        report.fail("channel", "must be a string")
        ok = False
    if ok and not bundle["logs"]:
        report.fail("logs", "holds no log")
        ok = False
    return ok


@dataclass(frozen=True, slots=True)
class _EarlierKey:
    """A key a party signed older entries with, as the exporter lists it."""

    key: VerifyKey
    until_seq: int
    revoked_from_seq: int | None

    def problem_at(self, party: str, seq: int) -> str | None:
        """Why this key may not sign ``party``'s entry ``seq``, or None if it may."""
        signed = f"seq {seq} is signed by {party}'s earlier key {self.key.key_id}"
        if self.revoked_from_seq is not None and seq >= self.revoked_from_seq:
            return f"{signed}, which {party} revoked from seq {self.revoked_from_seq}"
        if seq >= self.until_seq:
            return (
                f"{signed}, which had been rotated out at seq {self.until_seq - 1}: "
                f"it signs only seqs below {self.until_seq}"
            )
        return None


@dataclass(frozen=True, slots=True)
class _Keys:
    """Each party's current key (the anchor) and the earlier keys listed for its entries."""

    current: dict[str, VerifyKey]
    earlier: dict[str, dict[str, _EarlierKey]]

    def earlier_of(self, party: str) -> dict[str, _EarlierKey]:
        return self.earlier.get(party, {})

    def earlier_named(self, party: str, key_id: object, may: str) -> str | None:
        """The reason to give when a signature names an earlier key where only the current may."""
        if not isinstance(key_id, str) or key_id not in self.earlier_of(party):
            return None
        return (
            f"names {party}'s earlier key {key_id}, but only {party}'s current key "
            f"{self.current[party].key_id} may {may}"
        )


def _check_parties(
    parties: dict[str, Any], pinned: Mapping[str, VerifyKey], report: EvidenceReport
) -> _Keys:
    keys = _Keys({}, {})
    for party, info in sorted(parties.items()):
        where = f"parties.{party}"
        if not _has_fields(info, PARTY_FIELDS, EARLIER_KEYS):
            report.fail(
                where,
                "must be an object with exactly name, key_id and public_key "
                "(and earlier_keys if the party rotated its key)",
            )
            continue
        key = _listed_key(info, where, report)
        if key is None:
            continue
        want = pinned.get(party)
        if want is not None and want.public_bytes != key.public_bytes:
            report.fail(
                f"{where}.public_key",
                f"is key {key.key_id}, not the key {want.key_id} you supplied for {party}",
            )
            continue
        keys.current[party] = key
        keys.earlier[party] = _check_earlier_keys(
            info.get(EARLIER_KEYS, []), key, f"{where}.{EARLIER_KEYS}", report
        )
        report.parties[party] = {
            "name": str(info["name"]),
            "key_id": key.key_id,
            "fingerprint": key.fingerprint,
            "pinned": "yes" if want is not None else "no",
            "earlier_keys": [],
        }
    for party in pinned:
        if party not in parties:
            report.fail("parties", f"has no party {party}, for which you supplied a key")
    return keys


def _has_fields(value: Any, required: frozenset[str], optional: str) -> bool:
    """An object with every ``required`` field, perhaps ``optional``, and nothing else."""
    return isinstance(value, dict) and required <= set(value) <= {*required, optional}


def _listed_key(info: dict[str, Any], where: str, report: EvidenceReport) -> VerifyKey | None:
    """The public key of a ``{key_id, public_key}`` record, if the id is the key's own."""
    try:
        key = VerifyKey(b64decode(info["public_key"], field=f"{where}.public_key"))
    except DetenteError as exc:
        report.fail(exc.field or where, exc.reason)
        return None
    if key_id_of(key.public_bytes) != info["key_id"]:
        report.fail(f"{where}.key_id", f"is not the id of the public key ({key.key_id})")
        return None
    return key


def _check_earlier_keys(
    value: Any, current: VerifyKey, where: str, report: EvidenceReport
) -> dict[str, _EarlierKey]:
    """The exporter's list of a party's earlier keys, by key id; bad records are left out."""
    if not isinstance(value, list):
        report.fail(where, "must be a list")
        return {}
    found: dict[str, _EarlierKey] = {}
    for i, record in enumerate(value):
        at = f"{where}[{i}]"
        if not _has_fields(record, EARLIER_KEY_FIELDS, REVOKED_FROM):
            report.fail(
                at,
                "must be an object with exactly key_id, public_key and until_seq "
                "(and revoked_from_seq if the key was revoked)",
            )
            continue
        bad = [n for n in ("until_seq", REVOKED_FROM) if n in record and not _seq(record[n])]
        for name in bad:
            report.fail(f"{at}.{name}", "must be an integer of at least 1")
        key = _listed_key(record, at, report)
        if bad or key is None:
            continue
        if key.key_id == current.key_id:
            report.fail(f"{at}.key_id", "is the party's current key, not an earlier one")
        elif key.key_id in found:
            report.fail(f"{at}.key_id", f"lists key {key.key_id} a second time")
        else:
            found[key.key_id] = _EarlierKey(key, record["until_seq"], record.get(REVOKED_FROM))
    return found


def _seq(value: Any) -> bool:
    """A sequence number: an integer (not a bool) of at least 1."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@dataclass
class _LogRun:
    party: str
    first_seq: int
    last_seq: int
    entries: list[VerifiedEntry]
    receipts: list[tuple[VerifiedEntry, dict[str, Any]]]


def _check_log(
    channel: str,
    party: str,
    run: Any,
    keys: _Keys,
    report: EvidenceReport,
) -> _LogRun | None:
    where = f"logs.{party}"
    if not isinstance(run, dict) or set(run) != LOG_FIELDS:
        report.fail(where, f"must be an object with exactly {sorted(LOG_FIELDS)}")
        return None
    key = keys.current.get(party)
    if key is None:
        report.fail(where, f"no valid public key for {party} in parties")
        return None
    first_seq, envelopes = run["first_seq"], run["entries"]
    if not _seq(first_seq):
        report.fail(f"{where}.first_seq", "must be an integer of at least 1")
        return None
    if not isinstance(envelopes, list) or not envelopes:
        report.fail(f"{where}.entries", "must be a non-empty list")
        return None
    earlier = keys.earlier_of(party)
    verified, ids, used = _check_entries(
        channel, party, first_seq, envelopes, key, earlier, where, report
    )
    report.parties[party]["earlier_keys"] = [k for k in earlier if k in used]
    selected = _selected_range(run["selected"], first_seq, len(envelopes), where, report)
    last_seq = first_seq + len(envelopes) - 1
    signed = _check_checkpoint(channel, party, run, last_seq, keys, where, report)
    if signed is not None:
        _check_range_proof(run["range_proof"], first_seq, ids, signed, where, report)
        cp = signed.checkpoint
        report.logs[party] = {
            "first_seq": first_seq,
            "last_seq": last_seq,
            "selected": list(selected) if selected else None,
            "checkpoint": {"size": cp.size, "root": cp.root, "t": cp.t},
            "witnesses": sorted(
                c.get("witness") for c in run["cosignatures"] if isinstance(c, dict)
            ),
        }
    entries = [
        VerifiedEntry(
            **{**e, "selected": selected is None or selected[0] <= e["seq"] <= selected[1]}
        )
        for e in verified
    ]
    receipts = [
        (e, e.body) for e in entries if e.kind == "receipt" and isinstance(e.body.get("of"), str)
    ]
    return _LogRun(party, first_seq, last_seq, entries, receipts)


def _selected_range(
    value: Any, first_seq: int, count: int, where: str, report: EvidenceReport
) -> tuple[int, int] | None:
    if value is None:
        return None
    last = first_seq + count - 1
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not first_seq <= value[0] <= value[1] <= last
    ):
        report.fail(f"{where}.selected", f"must be [a, b] with {first_seq} <= a <= b <= {last}")
        return None
    return value[0], value[1]


def _check_entries(
    channel: str,
    party: str,
    first_seq: int,
    envelopes: list[Any],
    key: VerifyKey,
    earlier: Mapping[str, _EarlierKey],
    where: str,
    report: EvidenceReport,
) -> tuple[list[dict[str, Any]], list[str | None], set[str]]:
    """Signatures, sequence and hash chain.

    Returns the verified entries, every leaf id, and the earlier keys that
    signed a verified entry (for the report: what the reader relied on).
    """
    verified: list[dict[str, Any]] = []
    ids: list[str | None] = []
    used: set[str] = set()
    allowed = {key.key_id: key, **{k: e.key for k, e in earlier.items()}}
    expected_seq, prev_id = first_seq, None
    for i, envelope in enumerate(envelopes):
        at = f"{where}.entries[{i}]"
        payload = envelope.get("payload") if isinstance(envelope, dict) else None
        this_id = entry_id(payload.encode("utf-8")) if isinstance(payload, str) else None
        ids.append(this_id)
        try:
            item = open_envelope(envelope, allowed, index=i)
        except DetenteError as exc:
            reason = exc.reason
            if isinstance(exc, UnknownKeyError):
                reason = (
                    f"key {str(envelope['key'])[:40]!r} is not listed in parties.{party}, "
                    "neither as its current key nor as an earlier one"
                )
            elif exc.field and exc.field.endswith(".sig") and "does not verify" in reason:
                reason = f"signature does not verify with {party}'s key {envelope['key']}"
            report.fail(at, reason)
            expected_seq += 1
            prev_id = this_id
            continue
        e = item.entry
        if e.channel != channel:
            report.fail(at, f"is an entry of channel {e.channel}, not {channel}")
        if e.party != party:
            report.fail(at, f"is an entry of {e.party}'s log, found in {party}'s")
        if e.seq != expected_seq:
            if e.seq > expected_seq:
                gap = (
                    f"seq {expected_seq}"
                    if e.seq == expected_seq + 1
                    else f"seqs {expected_seq}..{e.seq - 1}"
                )
                report.fail(
                    at,
                    f"seq {e.seq} where {expected_seq} was expected: {gap} missing between "
                    f"{expected_seq - 1} and {e.seq} (entries left out)",
                )
            else:
                report.fail(at, f"seq {e.seq} where {expected_seq} was expected (out of order)")
        elif prev_id is not None and e.prev != prev_id:
            report.fail(
                at,
                f"prev {e.prev[:16]}… is not the id of seq {e.seq - 1} "
                f"({prev_id[:16]}…): the hash chain is broken",
            )
        expected_seq, prev_id = e.seq + 1, item.id
        signer = earlier.get(e.key)
        if signer is not None:
            problem = signer.problem_at(party, e.seq)
            if problem is not None:
                report.fail(at, problem)
                continue
            used.add(e.key)
        verified.append(
            {
                "party": e.party,
                "seq": e.seq,
                "id": item.id,
                "t": e.t,
                "kind": e.kind,
                "precedence": e.precedence.value,
                "tier": e.tier.value,
                "refs": tuple(e.refs),
                "body": e.body,
            }
        )
    return verified, ids, used


def _check_checkpoint(
    channel: str,
    party: str,
    run: dict[str, Any],
    last_seq: int,
    keys: _Keys,
    where: str,
    report: EvidenceReport,
) -> SignedCheckpoint | None:
    at = f"{where}.checkpoint"
    key = keys.current[party]
    try:
        signed = open_checkpoint(run["checkpoint"], {key.key_id: key}, field=at)
    except DetenteError as exc:
        reason = exc.reason
        if "does not verify" in reason:
            why_not = "sign the checkpoint, whose root vouches for what earlier keys signed"
            reason = keys.earlier_named(party, _named_key(run["checkpoint"]), why_not) or (
                f"signature does not verify with {party}'s key {key.key_id}"
            )
        report.fail(exc.field or at, reason)
        return None
    cp = signed.checkpoint
    ok = True
    if cp.party != party:
        report.fail(at, f"is a checkpoint of {cp.party}'s log, not {party}'s")
        ok = False
    if cp.channel != channel:
        report.fail(at, f"is a checkpoint of channel {cp.channel}, not {channel}")
        ok = False
    if cp.size < last_seq:
        report.fail(at, f"covers {cp.size} entries, fewer than the last entry's seq {last_seq}")
        ok = False
    _check_cosignatures(signed, run["cosignatures"], keys, f"{where}.cosignatures", report)
    return signed if ok else None


def _named_key(wire: Any) -> object:
    """The key id a checkpoint's payload names, read unverified: only to explain a failure."""
    try:
        value = json.loads(wire["payload"])
    except (TypeError, KeyError, ValueError):
        return None
    return value.get("key") if isinstance(value, dict) else None


def _check_cosignatures(
    signed: SignedCheckpoint,
    values: Any,
    keys: _Keys,
    where: str,
    report: EvidenceReport,
) -> None:
    owner = signed.checkpoint.party
    if not isinstance(values, list):
        report.fail(where, "must be a list")
        return
    witnessed = False
    for i, value in enumerate(values):
        at = f"{where}[{i}]"
        try:
            cosignature = parse_cosignature(value, field=at)
        except DetenteError as exc:
            report.fail(exc.field or at, exc.reason)
            continue
        witness_key = keys.current.get(cosignature.witness)
        if cosignature.witness == owner or witness_key is None:
            report.fail(at, f"{cosignature.witness} is not another party of this bundle")
            continue
        earlier = keys.earlier_named(
            cosignature.witness,
            cosignature.key,
            "witness: the exporter alone lists earlier keys, and could make one up",
        )
        if earlier is not None:
            report.fail(f"{at}.key", earlier)
            continue
        try:
            verify_cosignature(signed, cosignature, witness_key, field=at)
        except DetenteError as exc:
            report.fail(exc.field or at, exc.reason)
            continue
        witnessed = True
    if not witnessed:
        report.fail(where, f"{owner}'s checkpoint carries no valid cosignature by another party")


def _check_range_proof(
    value: Any,
    first_seq: int,
    ids: list[str | None],
    signed: SignedCheckpoint,
    where: str,
    report: EvidenceReport,
) -> None:
    """The run's leaves, with the hashes left and right of it, must rebuild the root."""
    at = f"{where}.range_proof"
    cp = signed.checkpoint
    last_seq = first_seq + len(ids) - 1
    if not isinstance(value, dict) or set(value) != {"left", "right"}:
        report.fail(at, "must be an object with exactly 'left' and 'right'")
        return
    try:
        compact = CompactRange.from_hex_list(first_seq - 1, value["left"])
        for leaf in ids:
            if leaf is None:
                raise DetenteError("an entry without a payload has no leaf hash")
            compact.append(bytes.fromhex(leaf))
        right = [bytes.fromhex(h) for h in value["right"]]
        verify_consistency(last_seq, cp.size, compact.root(), bytes.fromhex(cp.root), right)
    except (DetenteError, ValueError, TypeError) as exc:
        reason = exc.reason if isinstance(exc, DetenteError) else str(exc)
        report.fail(
            at,
            f"entries {first_seq}..{last_seq} do not lead to the checkpoint root "
            f"{cp.root[:16]}… of size {cp.size}: {reason}",
        )


def _check_receipts(logs: dict[str, _LogRun], report: EvidenceReport) -> None:
    """Receipts in one log must name the very entries of the other log; they date receipt."""
    for reader, run in logs.items():
        for author in logs.values():
            if author.party == reader:
                continue
            by_seq = {e.seq: e for e in author.entries}
            covering = [
                (r, b)
                for r, b in run.receipts
                if b["of"] == author.party and isinstance(b.get("up_to_seq"), int)
            ]
            for receipt, body in covering:
                target = by_seq.get(body["up_to_seq"])
                if target is not None and body.get("up_to_id") != target.id:
                    report.fail(
                        f"logs.{reader}.entries[{receipt.seq - run.first_seq}]",
                        f"receipt says {author.party} seq {body['up_to_seq']} is "
                        f"{str(body.get('up_to_id'))[:16]}…, but the bundle's {author.party} "
                        f"seq {target.seq} is {target.id[:16]}…",
                    )
            author.entries = _dated(author.entries, covering, reader)


def _dated(
    entries: list[VerifiedEntry],
    covering: list[tuple[VerifiedEntry, dict[str, Any]]],
    reader: str,
) -> list[VerifiedEntry]:
    """Date each entry by the first receipt (in the reader's log order) covering it.

    Entries come in rising seq, so a receipt that falls short of one entry
    falls short of every later one: one pointer walks the receipts once.
    """
    out = []
    i = 0
    for entry in entries:
        while i < len(covering) and covering[i][1]["up_to_seq"] < entry.seq:
            i += 1
        if i < len(covering) and entry.received_by is None:
            receipt = covering[i][0]
            entry = VerifiedEntry(
                **{
                    **{k: getattr(entry, k) for k in VerifiedEntry.__slots__},
                    "received_by": reader,
                    "received_by_t": receipt.t,
                    "receipt_id": receipt.id,
                }
            )
        out.append(entry)
    return out


def _check_selection(
    selection: dict[str, Any], logs: dict[str, _LogRun], report: EvidenceReport
) -> set[str] | None:
    """The entry ids selected by name, if the selection names them."""
    wanted = selection.get("entries")
    if wanted is None:
        return None
    if not isinstance(wanted, list):
        report.fail("selection.entries", "must be a list of entry ids or null")
        return None
    present = {e.id for run in logs.values() for e in run.entries}
    for i, entry in enumerate(wanted):
        if entry not in present:
            report.fail(f"selection.entries[{i}]", f"entry {str(entry)[:16]}… is not in the bundle")
    return {str(e) for e in wanted}


def _with_selected(entry: VerifiedEntry, selected: bool) -> VerifiedEntry:
    return VerifiedEntry(
        **{**{k: getattr(entry, k) for k in VerifiedEntry.__slots__}, "selected": selected}
    )


def _check_signature(bundle: dict[str, Any], keys: _Keys, report: EvidenceReport) -> None:
    exporter = bundle["exported_by"]
    key = keys.current.get(exporter) if isinstance(exporter, str) else None
    if key is None:
        report.fail("exported_by", f"{str(exporter)[:8]!r} is not a party with a valid key")
        return
    message = signing_bytes(bundle)
    if _verifies(key, bundle["sig"], message):
        return
    earlier = keys.earlier_of(exporter)
    old = next((k for k, e in earlier.items() if _verifies(e.key, bundle["sig"], message)), None)
    if old is not None:
        report.fail(
            "sig",
            f"is made with {exporter}'s earlier key {old}, but only its current key "
            f"{key.key_id} may seal a bundle",
        )
        return
    report.fail(
        "sig",
        f"the exporter {exporter}'s signature over the bundle does not verify: "
        "the bundle was changed after export",
    )


def _verifies(key: VerifyKey, sig: Any, message: bytes) -> bool:
    try:
        key.verify(b64decode(sig, field="sig"), message)
    except DetenteError:
        return False
    return True
