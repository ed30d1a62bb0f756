DROP INDEX score_sheets_contest_updated;
ALTER TABLE contests DROP COLUMN revealed_positions;
ALTER TABLE contests DROP COLUMN reveal_mode;
