-- Schema 0.24: every recovery table exists from this version on.
-- Times are integer milliseconds since the Unix epoch, UTC. JSON columns hold UTF-8 JSON text.
-- STRICT tables make SQLite reject values of the wrong type instead of storing them silently.

CREATE TABLE tasks (
    task_id        TEXT    NOT NULL PRIMARY KEY,
    status         TEXT    NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    title          TEXT,
    metadata       TEXT,
    created_at_ms  INTEGER NOT NULL,
    updated_at_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX ix_tasks_status ON tasks (status, updated_at_ms);

CREATE TABLE task_audits (
    -- A rowid alias, not AUTOINCREMENT (which costs a write to sqlite_sequence on every insert): ids still grow in write
    -- order; one can only be handed out again if the newest audits are deleted with their task.
    audit_id       INTEGER NOT NULL PRIMARY KEY,
    task_id        TEXT    NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
    event_type     TEXT    NOT NULL,
    level          TEXT    NOT NULL DEFAULT 'info' CHECK (level IN ('debug', 'info', 'warning', 'error')),
    payload        TEXT,
    created_at_ms  INTEGER NOT NULL
) STRICT;

-- A task's history in order, and "the last 50 audits" for failure evidence.
CREATE INDEX ix_task_audits_task ON task_audits (task_id, audit_id);

CREATE TABLE work_items (
    work_item_id         TEXT    NOT NULL PRIMARY KEY,
    task_id              TEXT    REFERENCES tasks (task_id) ON DELETE CASCADE,
    kind                 TEXT    NOT NULL DEFAULT 'default',
    status               TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'leased', 'succeeded', 'failed')),
    payload              TEXT,
    output               TEXT,
    error                TEXT,
    -- Lease: who holds it, the fencing token (grows on every acquisition), and its times.
    lease_holder         TEXT,
    lease_epoch          INTEGER NOT NULL DEFAULT 0 CHECK (lease_epoch >= 0),
    lease_acquired_at_ms INTEGER,
    lease_expires_at_ms  INTEGER,
    heartbeat_at_ms      INTEGER,
    attempts             INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts         INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    created_at_ms        INTEGER NOT NULL,
    updated_at_ms        INTEGER NOT NULL,
    completed_at_ms      INTEGER,
    -- A leased row always names its holder and expiry; any other row names neither.
    CHECK ((status = 'leased') = (lease_holder IS NOT NULL AND lease_expires_at_ms IS NOT NULL))
) STRICT;

-- The recovery sweep (keyset pages in expiry order) and taking over the longest-expired lease.
CREATE INDEX ix_work_items_lease_expiry ON work_items (lease_expires_at_ms, work_item_id) WHERE status = 'leased';
-- Acquiring the next pending item, oldest first.
CREATE INDEX ix_work_items_pending ON work_items (kind, created_at_ms) WHERE status = 'pending';
CREATE INDEX ix_work_items_task ON work_items (task_id);

CREATE TABLE checkpoints (
    checkpoint_id      TEXT    NOT NULL PRIMARY KEY,
    task_id            TEXT    NOT NULL REFERENCES tasks (task_id) ON DELETE CASCADE,
    checkpoint_type    TEXT    NOT NULL,
    -- Allocated inside the inserting transaction; the UNIQUE constraint makes a duplicate impossible.
    sequence_number    INTEGER NOT NULL CHECK (sequence_number >= 1),
    work_item_id       TEXT    REFERENCES work_items (work_item_id) ON DELETE SET NULL,
    snapshot           TEXT    NOT NULL,
    evidence           TEXT    NOT NULL,
    metadata           TEXT,
    -- pending: a step was begun and not committed (or its process died); verified/failed: the evidence was checked;
    -- superseded: a rollback to an earlier checkpoint retired it.
    status             TEXT    NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'verified', 'failed', 'superseded')),
    verified_at_ms     INTEGER,
    verification_error TEXT,
    created_at_ms      INTEGER NOT NULL,
    UNIQUE (task_id, sequence_number),
    -- An empty evidence pack can never be verified (the peer counted it as verified), whoever writes the row.
    CHECK (status <> 'verified' OR evidence <> '[]')
) STRICT;

-- "Last verified checkpoint of a task" is one seek on this partial index.
CREATE INDEX ix_checkpoints_last_verified ON checkpoints (task_id, sequence_number DESC) WHERE status = 'verified';
-- "The last 50 checkpoints" for failure evidence and pruning by age.
CREATE INDEX ix_checkpoints_created ON checkpoints (created_at_ms);
CREATE INDEX ix_checkpoints_work_item ON checkpoints (work_item_id) WHERE work_item_id IS NOT NULL;

CREATE TABLE idempotency_keys (
    -- Lowercase hex SHA-256 over the kind and the length-prefixed parts (IdempotencyKey.From): no two inputs share a key.
    idempotency_key     TEXT    NOT NULL PRIMARY KEY,
    kind                TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'in_doubt')),
    -- Who holds (or last held) the claim, and until when; a pending claim past its expiry is in doubt.
    owner               TEXT,
    claimed_at_ms       INTEGER,
    claim_expires_at_ms INTEGER,
    -- Grows on every claim: a completion is accepted only from the claim it names, so a taken-over owner cannot overwrite.
    claim_epoch         INTEGER NOT NULL DEFAULT 0 CHECK (claim_epoch >= 0),
    description         TEXT,
    -- The whole result (never truncated), the exit code of a command, and the error of a failed attempt.
    result              TEXT,
    exit_code           INTEGER,
    error               TEXT,
    hit_count           INTEGER NOT NULL DEFAULT 0 CHECK (hit_count >= 0),
    created_at_ms       INTEGER NOT NULL,
    updated_at_ms       INTEGER NOT NULL,
    completed_at_ms     INTEGER,
    -- When a stored result stops being replayed; NULL never expires. A later success sets it again.
    expires_at_ms       INTEGER,
    -- A pending or in-doubt claim always names its owner and claim expiry.
    CHECK (status NOT IN ('pending', 'in_doubt') OR (owner IS NOT NULL AND claim_expires_at_ms IS NOT NULL))
) STRICT;

CREATE INDEX ix_idempotency_keys_kind_status ON idempotency_keys (kind, status);
CREATE INDEX ix_idempotency_keys_expiry ON idempotency_keys (expires_at_ms) WHERE expires_at_ms IS NOT NULL;
-- Finding claims whose owner vanished (pending past their claim expiry).
CREATE INDEX ix_idempotency_keys_claims ON idempotency_keys (claim_expires_at_ms) WHERE status = 'pending';
