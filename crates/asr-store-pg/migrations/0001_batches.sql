-- Version 1: batches, their inputs (one row each, with counters kept in the same
-- transactions), workers and their leases, tasks and what the poller learned, results, and
-- the account's shared send budget.

CREATE TABLE asr_batch (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A worker is one process; its lease is renewed while it lives and never revived once it
-- lapsed, so a worker that lost it cannot write again under the same id.
CREATE TABLE asr_worker (
    id          bigserial PRIMARY KEY,
    batch_id    bigint NOT NULL REFERENCES asr_batch (id),
    host        text NOT NULL,
    pid         integer NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    lease_until timestamptz NOT NULL,
    stopped_at  timestamptz
);

-- state: 0 new, 1 uploaded, 2 submitting (a task may exist), 3 submitted, 4 done,
-- 5 failed, 6 expired. Below 4 the input is open and may be claimed.
CREATE TABLE asr_input (
    batch_id     bigint NOT NULL REFERENCES asr_batch (id),
    opts         text NOT NULL,
    source       text NOT NULL,
    seq          bigint NOT NULL,
    is_path      boolean NOT NULL,
    name         text NOT NULL,
    state        smallint NOT NULL DEFAULT 0,
    owner        bigint,
    upload_url   text,
    upload_model text,
    upload_at    bigint,
    submit_url   text,
    submit_at    bigint,
    submit_group text,
    task_id      text,
    file_url     text,
    done         text,
    error        text,
    expired      boolean NOT NULL DEFAULT false,
    done_at      timestamptz,
    PRIMARY KEY (batch_id, opts, source)
);
CREATE SEQUENCE asr_input_seq;
CREATE INDEX asr_input_open ON asr_input (batch_id, opts, seq) WHERE state < 4;
CREATE INDEX asr_input_failed ON asr_input (batch_id, seq) WHERE state = 5;
CREATE INDEX asr_input_owner ON asr_input (owner) WHERE state < 4;
CREATE INDEX asr_input_task ON asr_input (task_id) WHERE task_id IS NOT NULL;

-- Inputs per state, changed in the transaction that changes the inputs: `batch status`
-- reads a handful of rows whatever the batch's size.
CREATE TABLE asr_count (
    batch_id bigint NOT NULL,
    state    smallint NOT NULL,
    n        bigint NOT NULL,
    PRIMARY KEY (batch_id, state)
);

-- Inputs finished per minute, for throughput and ETA.
CREATE TABLE asr_rate (
    batch_id bigint NOT NULL,
    minute   timestamptz NOT NULL,
    done     bigint NOT NULL,
    PRIMARY KEY (batch_id, minute)
);

-- Each input's result document, exactly as downloaded, for `batch export`.
CREATE TABLE asr_result (
    batch_id bigint NOT NULL,
    opts     text NOT NULL,
    source   text NOT NULL,
    task_id  text NOT NULL,
    document bytea NOT NULL,
    PRIMARY KEY (batch_id, opts, source)
);

-- Tasks of every batch (one account per database). state: 0 open, 1 finished, 2 lost.
CREATE TABLE asr_task (
    seq             bigserial UNIQUE,
    task_id         text PRIMARY KEY,
    model           text NOT NULL,
    submitted_at_ms bigint,
    state           smallint NOT NULL DEFAULT 0,
    response        text,
    lost            text,
    billed_seconds  bigint,
    finished_at     timestamptz
);
CREATE INDEX asr_task_open ON asr_task (seq) WHERE state = 0;

-- The account's send budget, one row per limit: the theoretical arrival time of the next
-- request (GCRA), so one UPDATE reserves a slot.
CREATE TABLE asr_budget (
    scope text PRIMARY KEY,
    tat   timestamptz NOT NULL DEFAULT clock_timestamp()
);
