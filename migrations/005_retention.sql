-- 005: retention. Purging deletes messages, recipients and events; every foreign key that points at them
-- is looked up on each delete, so each needs an index or one delete scans a whole table. And the age
-- scans of inbound mail get their own index.
CREATE INDEX suppressions_by_event ON suppressions (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX inbound_by_matched_message ON inbound (matched_message_id) WHERE matched_message_id IS NOT NULL;
CREATE INDEX inbound_by_matched_recipient ON inbound (matched_recipient_id) WHERE matched_recipient_id IS NOT NULL;
CREATE INDEX inbound_by_received ON inbound (received_at);
