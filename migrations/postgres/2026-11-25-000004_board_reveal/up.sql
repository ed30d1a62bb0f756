-- The public board's reveal for the award ceremony (issue 7): `none`, `steps` (positions are
-- shown from the bottom of the board up, `revealed_positions` of them so far) or `all`.
ALTER TABLE contests ADD COLUMN reveal_mode TEXT NOT NULL DEFAULT 'none';
ALTER TABLE contests ADD COLUMN revealed_positions INTEGER NOT NULL DEFAULT 0;
-- The board hub reloads only the sheets changed since it last looked.
CREATE INDEX score_sheets_contest_updated ON score_sheets(contest_id, updated_at);
