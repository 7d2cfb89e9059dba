import type { MessageStore, NewMessage } from '../store.js';
import type { Db } from './database.js';
import { eventParams, INSERT_EVENT_SQL } from './events.js';
import { groupCommitFor } from './group-commit.js';
import { toMessage, toRecipient, type MessageRow, type RecipientRow } from './rows.js';

export function sqliteMessages(db: Db): MessageStore {
  const insertMessage = db.prepare(`INSERT INTO messages
    (queue_id, message_id, message_id_added, mail_from, username, client_ip, client_hostname, tls, size, sha256, tag, env_id, ret, origin, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`);
  const insertContent = db.prepare('INSERT INTO message_content (message_id, raw) VALUES (?, ?)');
  const insertRecipient = db.prepare(`INSERT INTO recipients
    (message_id, address, domain, state, next_attempt_at, notify, orcpt, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`);
  const insertEvent = db.prepare(INSERT_EVENT_SQL);
  const byId = db.prepare('SELECT * FROM messages WHERE id = ?');
  const byQueueId = db.prepare('SELECT * FROM messages WHERE queue_id = ?');
  const byMessageId = db.prepare('SELECT * FROM messages WHERE message_id = ? ORDER BY created_at DESC, id DESC');
  const content = db.prepare('SELECT raw FROM message_content WHERE message_id = ?');
  const recipients = db.prepare('SELECT * FROM recipients WHERE message_id = ? ORDER BY id');
  const count = db.prepare('SELECT COUNT(*) AS n FROM messages');

  const enqueue = db.transaction((m: NewMessage) => {
    const msg = toMessage(
      insertMessage.get(
        m.queueId,
        m.messageId,
        m.messageIdAdded ? 1 : 0,
        m.mailFrom,
        m.username,
        m.clientIp,
        m.clientHostname,
        m.tls ? JSON.stringify(m.tls) : null,
        m.raw.length,
        m.sha256,
        m.tag,
        m.envId,
        m.ret,
        m.origin,
        m.createdAt,
      ) as MessageRow,
    );
    insertContent.run(msg.id, m.raw);
    insertEvent.run(...eventParams({ at: m.createdAt, messageId: msg.id, kind: 'received', phase: 'submission', detail: m.receivedDetail }));
    const rcpts = m.recipients.map((r) => {
      const row = toRecipient(
        insertRecipient.get(msg.id, r.address, r.domain, r.state, r.state === 'queued' ? r.nextAttemptAt : null, r.notify ? r.notify.join(',') : null, r.orcpt, m.createdAt) as RecipientRow,
      );
      if (r.state === 'suppressed') {
        insertEvent.run(...eventParams({ at: m.createdAt, messageId: msg.id, recipientId: row.id, kind: 'suppressed', text: 'address is on the suppression list' }));
      }
      return row;
    });
    return { message: msg, recipients: rcpts };
  });

  // Concurrent submissions share a transaction and its fsync (group-commit.ts); each resolves after it.
  const commits = groupCommitFor(db);

  return {
    async enqueue(m) {
      return commits.run(() => enqueue(m));
    },
    async getById(id) {
      const r = byId.get(id) as MessageRow | undefined;
      return r ? toMessage(r) : null;
    },
    async getByQueueId(queueId) {
      const r = byQueueId.get(queueId) as MessageRow | undefined;
      return r ? toMessage(r) : null;
    },
    async findByMessageId(messageId) {
      return (byMessageId.all(messageId) as MessageRow[]).map(toMessage);
    },
    async content(id) {
      const r = content.get(id) as { raw: Buffer } | undefined;
      return r ? r.raw : null;
    },
    async recipients(id) {
      return (recipients.all(id) as RecipientRow[]).map(toRecipient);
    },
    async count() {
      return (count.get() as { n: number }).n;
    },
  };
}
