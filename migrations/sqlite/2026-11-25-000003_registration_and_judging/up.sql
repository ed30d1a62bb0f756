-- Teams are what is scored and ranked; contestants belong to one team.
CREATE TABLE teams (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    school TEXT NOT NULL,
    region TEXT NOT NULL,
    coach TEXT,
    -- registered | pending (self-registration awaiting approval) | withdrawn
    status TEXT NOT NULL,
    checked_in_at TIMESTAMP,
    -- Drawn by the server: station number (工位号) and anonymous code, unique per contest.
    station INTEGER,
    code TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (contest_id, school, name),
    UNIQUE (contest_id, station),
    UNIQUE (contest_id, code)
);

CREATE TABLE contestants (
    id TEXT PRIMARY KEY NOT NULL,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    contest_id TEXT NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    school TEXT NOT NULL,
    region TEXT NOT NULL,
    phone TEXT,
    id_number TEXT,
    role TEXT,
    position INTEGER NOT NULL,
    UNIQUE (contest_id, id_number)
);
CREATE INDEX contestants_team ON contestants(team_id);

-- Judges sign in with a personal link (token) and an optional PIN; only hashes are stored.
CREATE TABLE judges (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    organization TEXT NOT NULL,
    is_chief BOOLEAN NOT NULL DEFAULT FALSE,
    token_hash TEXT UNIQUE,
    pin_hash TEXT,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX judges_contest ON judges(contest_id);

CREATE TABLE judge_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    judge_id TEXT NOT NULL REFERENCES judges(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX judge_sessions_judge ON judge_sessions(judge_id);

CREATE TABLE panels (
    module_id TEXT NOT NULL REFERENCES modules(id) ON DELETE CASCADE,
    judge_id TEXT NOT NULL REFERENCES judges(id) ON DELETE CASCADE,
    PRIMARY KEY (module_id, judge_id)
);
CREATE INDEX panels_judge ON panels(judge_id);

-- One judge x one team x one module. Marks are a JSON object keyed by criterion code, each
-- {"level": n} or {"value": hundredths}, with the points they are worth in hundredths: one row
-- per sheet keeps a submission to a single write.
CREATE TABLE score_sheets (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    contest_id TEXT NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    module_id TEXT NOT NULL REFERENCES modules(id),
    team_id TEXT NOT NULL REFERENCES teams(id),
    judge_id TEXT NOT NULL REFERENCES judges(id),
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    marks TEXT NOT NULL,
    comment TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    UNIQUE (judge_id, team_id, module_id)
);
CREATE INDEX score_sheets_contest ON score_sheets(contest_id);
CREATE INDEX score_sheets_module_team ON score_sheets(module_id, team_id);

-- Marks for imported criteria, from the competition platform (CSV, XLSX or API).
CREATE TABLE imported_marks (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    criterion_id TEXT NOT NULL REFERENCES criteria(id),
    points BIGINT NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team_id, criterion_id)
);

-- A chief judge's resolution of a discrepancy; it holds for the levels it was recorded on.
CREATE TABLE discrepancy_resolutions (
    id TEXT PRIMARY KEY NOT NULL,
    module_id TEXT NOT NULL REFERENCES modules(id) ON DELETE CASCADE,
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    criterion_code TEXT NOT NULL,
    levels TEXT NOT NULL,
    resolution TEXT NOT NULL,
    reason TEXT NOT NULL,
    resolved_by TEXT NOT NULL,
    resolved_at TIMESTAMP NOT NULL
);
CREATE INDEX discrepancy_resolutions_module ON discrepancy_resolutions(module_id, team_id);

CREATE TABLE appeals (
    id TEXT PRIMARY KEY NOT NULL,
    contest_id TEXT NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    team_id TEXT NOT NULL REFERENCES teams(id),
    module_id TEXT REFERENCES modules(id),
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    decision TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP
);
CREATE INDEX appeals_contest ON appeals(contest_id);

ALTER TABLE modules ADD COLUMN ends_at TIMESTAMP;
ALTER TABLE contests ADD COLUMN appeal_window_minutes INTEGER NOT NULL DEFAULT 120;
ALTER TABLE contests ADD COLUMN self_registration BOOLEAN NOT NULL DEFAULT FALSE;
-- Bumped by every change that moves a board, so nodes and sockets can tell old from new.
ALTER TABLE contests ADD COLUMN board_version BIGINT NOT NULL DEFAULT 0;
