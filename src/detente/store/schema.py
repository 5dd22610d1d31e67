"""Tables of a node's database: one schema for SQLite and PostgreSQL.

Own log and mirrored peer logs share ``entries``: a row is an entry of some
party on some channel, and the node's own party marks its own log. The log
is also the outbox: ``deliveries`` holds, per peer, how far the peer has
confirmed storing our log, so an entry and its place in the outbox are
committed by the same insert.

Schema changes go through an Alembic migration in ``migrations/versions``;
a test checks the migrations produce exactly this metadata.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

keys = Table(
    "keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("party", String(8), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("created_t", Float, nullable=False),
    Column("revoked_from_seq", BigInteger, nullable=True),
)

channels = Table(
    "channels",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("doc", Text, nullable=False),  # the agreed channel document, canonical JSON
    Column("state", String(16), nullable=False),  # pending | active
    Column("created_t", Float, nullable=False),
)

channel_members = Table(
    "channel_members",
    metadata,
    Column("channel_id", String(32), ForeignKey("channels.channel_id"), primary_key=True),
    Column("party", String(8), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("endpoint", String(500), nullable=False),
    Column("is_self", Boolean, nullable=False),
    Column("tls_cert", Text, nullable=True),  # PEM pinned for this member's https endpoint
)

entries = Table(
    "entries",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("party", String(8), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("id", String(64), nullable=False),
    Column("prev", String(64), nullable=False),
    Column("t", Float, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("precedence", String(10), nullable=False),
    Column("tier", String(12), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("sig", String(100), nullable=False),
    Column("received_t", Float, nullable=False),
    UniqueConstraint("id"),
    Index("ix_entries_kind", "channel_id", "kind"),
)

entry_refs = Table(
    "entry_refs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("ref", String(64), primary_key=True),
    Index("ix_entry_refs_ref", "ref"),
)

log_heads = Table(
    "log_heads",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("party", String(8), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("head_id", String(64), nullable=False),
    Column("compact", Text, nullable=False),  # JSON list of hex subtree hashes
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("peer", String(8), primary_key=True),
    Column("acked_seq", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_ok_t", Float, nullable=True),
    Column("last_error", Text, nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator", String(100), nullable=False),
    Column("role", String(32), nullable=False),
    Column("created_t", Float, nullable=False),
)

receipts = Table(
    "receipts",
    metadata,
    # A receipt entry by ``by_party`` saying it stored ``of_party``'s log up to ``up_to_seq``.
    Column("channel_id", String(32), primary_key=True),
    Column("by_party", String(8), primary_key=True),
    Column("up_to_seq", BigInteger, primary_key=True),
    Column("of_party", String(8), nullable=False),
    Column("receipt_id", String(64), nullable=False),
    Column("t", Float, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    # A signed tree head of ``party``'s log. Two rows with one size and different roots
    # are equivocation: both are kept as proof.
    Column("channel_id", String(32), primary_key=True),
    Column("party", String(8), primary_key=True),
    Column("size", BigInteger, primary_key=True),
    Column("root", String(64), primary_key=True),
    Column("t", Float, nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON that was signed
    Column("key_id", String(32), nullable=False),
    Column("sig", String(100), nullable=False),
    Column("received_t", Float, nullable=False),
)

cosignatures = Table(
    "cosignatures",
    metadata,
    Column("channel_id", String(32), primary_key=True),
    Column("party", String(8), primary_key=True),
    Column("size", BigInteger, primary_key=True),
    Column("root", String(64), primary_key=True),
    Column("witness", String(8), primary_key=True),
    Column("key_id", String(32), nullable=False),
    Column("sig", String(100), nullable=False),
    Column("t", Float, nullable=False),
)

alarms = Table(
    "alarms",
    metadata,
    Column("alarm_id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(32), nullable=True),
    Column("kind", String(40), nullable=False),  # deadline_missed | link_down | equivocation …
    Column("severity", Integer, nullable=False),  # 1 info … 5 highest
    Column("ref", String(64), nullable=True),  # the entry (or checkpoint root) concerned
    Column("text", Text, nullable=False),
    Column("details", Text, nullable=False),  # JSON
    Column("raised_t", Float, nullable=False),
    Column("cleared_t", Float, nullable=True),
    Index("ix_alarms_open", "cleared_t"),
    UniqueConstraint("kind", "ref", name="uq_alarms_kind_ref"),
)

acks = Table(
    "acks",
    metadata,
    # A human "read and understood" of entry ``ref`` by ``party`` (the reader).
    Column("ref", String(64), primary_key=True),
    Column("party", String(8), primary_key=True),
    Column("channel_id", String(32), nullable=False),
    Column("ack_id", String(64), nullable=False),
    Column("role", String(64), nullable=False),
    Column("t", Float, nullable=False),
)

escalations = Table(
    "escalations",
    metadata,
    Column("ref", String(64), primary_key=True),
    Column("tier", String(12), primary_key=True),
    Column("channel_id", String(32), nullable=False),
    Column("escalation_id", String(64), nullable=False),
    Column("t", Float, nullable=False),
)

outages = Table(
    "outages",
    metadata,
    Column("outage_id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", String(32), nullable=False),
    Column("peer", String(8), nullable=False),
    Column("start_t", Float, nullable=False),
    Column("end_t", Float, nullable=True),
    Column("missed_checks", Integer, nullable=False),
)

suspensions = Table(
    "suspensions",
    metadata,
    Column("entry_id", String(64), primary_key=True),  # the suspend entry
    Column("channel_id", String(32), nullable=False),
    Column("party", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("start_t", Float, nullable=False),
    Column("end_t", Float, nullable=True),
    Column("resume_id", String(64), nullable=True),
)


def _track_state_columns(*, t_in_key: bool) -> list[Column[Any]]:
    """One track state: ``tracks`` keys it by track, ``track_history`` by track and time."""
    return [
        Column("track", String(64), primary_key=True),
        Column("party", String(8), nullable=True),
        Column("name", String(100), nullable=True),
        Column("domain", String(4), nullable=False),
        Column("t", Float, primary_key=t_in_key, nullable=False),
        Column("lat_deg", Float, nullable=False),
        Column("lon_deg", Float, nullable=False),
        Column("alt_m", Float, nullable=False),
        Column("speed_mps", Float, nullable=False),
        Column("course_deg", Float, nullable=False),
        Column("vrate_mps", Float, nullable=False),
    ]


tracks = Table(
    "tracks",
    metadata,
    # The latest state of each track this node sees, for the map and incursion checks.
    *_track_state_columns(t_in_key=False),
    Index("ix_tracks_t", "t"),
)

track_history = Table(
    "track_history",
    metadata,
    # Past states of each track, thinned to one per few seconds and kept only as long as
    # the map's replay reaches back (store/track_history.py): ``tracks`` holds just the
    # latest state, so without this a replay could not show where the units were.
    *_track_state_columns(t_in_key=True),
    Index("ix_track_history_t", "t"),
)

encounters = Table(
    "encounters",
    metadata,
    Column("encounter_id", String(32), primary_key=True),
    Column("domain", String(4), nullable=False),
    Column("track_a", String(64), nullable=False),
    Column("track_b", String(64), nullable=False),
    Column("party_a", String(8), nullable=True),
    Column("party_b", String(8), nullable=True),
    Column("level", String(10), nullable=False),
    Column("max_level", String(10), nullable=False),
    Column("first_alert_t", Float, nullable=False),
    Column("closest_m", Float, nullable=False),
    Column("closest_t", Float, nullable=False),
    Column("updated_t", Float, nullable=False),
    Column("cleared_t", Float, nullable=True),
    Column("data", Text, nullable=False),  # JSON snapshot: both units, CPA, TCPA, range
    Column("alert_id", String(64), nullable=True),  # the encounter_alert entry we sent
    Column("alerted_level", String(10), nullable=True),
    Column("alerted_t", Float, nullable=True),
)

plans = Table(
    "plans",
    metadata,
    # A party's own planned activities: private, never sent to a peer.
    Column("plan_id", String(64), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("title", String(200), nullable=False),
    Column("data", Text, nullable=False),  # JSON of the Plan model
    Column("created_t", Float, nullable=False),
)

activity_conflicts = Table(
    "activity_conflicts",
    metadata,
    Column("conflict_id", Integer, primary_key=True, autoincrement=True),
    Column("a_ref", String(80), nullable=False),  # entry id of a notice, or plan:<id>
    Column("b_ref", String(80), nullable=False),
    Column("channel_id", String(32), nullable=True),
    Column("data", Text, nullable=False),  # JSON: parties, window, band, region, area
    Column("detected_t", Float, nullable=False),
    UniqueConstraint("a_ref", "b_ref", name="uq_activity_conflicts_pair"),
)

operators = Table(
    "operators",
    metadata,
    # People who log in to the dashboard; the password only as an argon2 hash.
    Column("name", String(64), primary_key=True),
    Column("role", String(24), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("lang", String(4), nullable=False),
    Column("theme", String(8), nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until_t", Float, nullable=True),
    Column("created_t", Float, nullable=False),
    Column("disabled", Boolean, nullable=False),
)

token_lockouts = Table(
    "token_lockouts",
    metadata,
    # Refused operator API tokens per source address, shared by every worker on
    # this database (api/token_guard.py); a row is forgotten once it is stale.
    Column("source", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start_t", Float, nullable=False),
    Column("locked_until_t", Float, nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    # Dashboard sessions, keyed by the SHA-256 of the cookie value (never the value itself).
    Column("session_hash", String(64), primary_key=True),
    Column("operator", String(64), nullable=True),  # None: a login form's pre-login session
    Column("csrf_token", String(64), nullable=False),
    Column("created_t", Float, nullable=False),
    Column("seen_t", Float, nullable=False),
    Column("expires_t", Float, nullable=False),
    Index("ix_sessions_operator", "operator"),
)

held_messages = Table(
    "held_messages",
    metadata,
    # Drafts above their author's authority, waiting for a second person (node/authority.py).
    Column("held_id", String(32), primary_key=True),
    Column("channel_id", String(32), nullable=False),
    Column("operator", String(100), nullable=False),  # who drafted them
    Column("role", String(32), nullable=False),
    Column("drafts", Text, nullable=False),  # JSON list of {kind, body, precedence, tier, refs}
    Column("releasers", String(200), nullable=False),  # comma-separated roles that may release
    Column("reason", Text, nullable=False),  # why they were held
    Column("state", String(16), nullable=False),  # held | released | rejected
    Column("created_t", Float, nullable=False),
    Column("decided_by", String(100), nullable=True),
    Column("decided_role", String(32), nullable=True),
    Column("decided_t", Float, nullable=True),
    Column("decision_note", Text, nullable=True),  # the rejection's reason
    Column("entry_ids", Text, nullable=True),  # JSON list of the entries a release signed
    Index("ix_held_messages_state", "state"),
)

audit_log = Table(
    "audit_log",
    metadata,
    # Every operator action; append-only (database triggers refuse UPDATE and DELETE),
    # hash-chained so that a rewrite by whoever can drop the triggers shows.
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("t", Float, nullable=False),
    Column("operator", String(100), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target", String(200), nullable=False),
    Column("outcome", String(16), nullable=False),  # ok | held | refused | locked
    Column("source", String(64), nullable=False),  # the client's address, or "cli"
    Column("detail", Text, nullable=True),  # the refusal's reason, a note
    # SHA-256 over the previous record's chain and this record (store/audit_chain.py);
    # NULL for records written before migration 0005, the start of the chain.
    Column("chain", String(64), nullable=True),
    Index("ix_audit_log_t", "t"),
)

member_keys = Table(
    "member_keys",
    metadata,
    # Every key a member has signed with on a channel, and for which sequence numbers:
    # valid for from_seq <= seq < until_seq (rotation), refused from revoked_from_seq.
    Column("channel_id", String(32), primary_key=True),
    Column("party", String(8), primary_key=True),
    Column("key_id", String(32), primary_key=True),
    Column("public_key", String(64), nullable=False),
    Column("from_seq", BigInteger, nullable=False),
    Column("until_seq", BigInteger, nullable=True),
    Column("revoked_from_seq", BigInteger, nullable=True),
    Column("revoked_reason", Text, nullable=True),
)
