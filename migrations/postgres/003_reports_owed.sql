-- 003 (SQLite 011): the delivery status notifications a recipient still owes its sender (an outbox, written with the
-- state change that makes one due). A failure, a delay warning or a requested success report used to be
-- composed and queued after the change had committed: a crash or a failed write between the two lost it.
-- Now the change records `report_owed` in its own transaction; the report's queueing clears it, and the
-- queue's sweep sends again any report owed longer than a few minutes (src/queue/sweeps.ts).
ALTER TABLE recipients ADD COLUMN report_owed TEXT;            -- 'failure' | 'delay' | 'success'
ALTER TABLE recipients ADD COLUMN report_claimed_at BIGINT;    -- when the last try to send it began
CREATE INDEX recipients_report_owed ON recipients (report_claimed_at) WHERE report_owed IS NOT NULL;
