-- 003: the bounce correlator's last-resort rule looks recipients up by address regardless of case
-- (MTAs and postmasters change the case of what we sent); without this index it scans every recipient.
CREATE INDEX recipients_by_address_nocase ON recipients (address COLLATE NOCASE, message_id);
