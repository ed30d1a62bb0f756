-- Organizer sessions and API tokens: only SHA-256 hashes of the secrets are stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE contests (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    venue TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    state TEXT NOT NULL,
    visibility TEXT NOT NULL,
    freeze_at TIMESTAMP,
    -- JSON: module codes in tie-break order, and award tier shares in basis points.
    tie_break TEXT NOT NULL,
    award_tiers TEXT NOT NULL,
    team_size_min INTEGER NOT NULL,
    team_size_max INTEGER NOT NULL,
    scheme_reopened BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE contest_hosts (
    contest_id TEXT NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    is_lead BOOLEAN NOT NULL,
    PRIMARY KEY (contest_id, organization_id)
);
CREATE INDEX contest_hosts_organization ON contest_hosts(organization_id);

CREATE TABLE modules (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    position INTEGER NOT NULL,
    -- Marks are integers of hundredths of a point.
    weight BIGINT,
    aggregation TEXT NOT NULL,
    discrepancy_threshold INTEGER NOT NULL,
    state TEXT NOT NULL,
    UNIQUE (contest_id, code)
);

CREATE TABLE criteria (
    id TEXT PRIMARY KEY NOT NULL,
    module_id TEXT NOT NULL REFERENCES modules(id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    max_mark BIGINT NOT NULL,
    step BIGINT,
    -- JSON array of the four level descriptors of a judgement criterion.
    descriptors TEXT,
    position INTEGER NOT NULL,
    UNIQUE (module_id, code)
);

-- Append-only, one chain per contest (chain = contest id, or 'global'); each row's hash covers
-- the previous row's hash, so an edited or deleted row breaks the chain.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain, seq)
);
