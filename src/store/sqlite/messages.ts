import type { MessageStore, NewMessage } from '../store.js';
import type { Db } from './database.js';
import { eventWriter, INSERT_EVENT_SQL } from './events.js';
import { groupCommitFor } from './group-commit.js';
import { readBatchFor } from './read-batch.js';
import { toMessage, toRecipient, type MessageRow, type RecipientRow } from '../rows.js';

export function sqliteMessages(db: Db): MessageStore {
  // Plain INSERTs, no RETURNING: the rows are known (we wrote them) and RETURNING stages its output in a
  // temporary table, which measured as a large share of intake's cost.
  const insertMessage = db.prepare(`INSERT INTO messages
    (queue_id, message_id, message_id_added, mail_from, username, client_ip, client_hostname, tls, size, sha256, tag, env_id, ret, origin, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertContent = db.prepare('INSERT INTO message_content (message_id, raw) VALUES (?, ?)');
  const insertRecipient = db.prepare(`INSERT INTO recipients
    (message_id, address, domain, state, next_attempt_at, notify, orcpt, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const writer = eventWriter(db);
  const insertEvent = db.prepare(INSERT_EVENT_SQL);
  const byId = db.prepare('SELECT * FROM messages WHERE id = ?');
  const byIds = db.prepare('SELECT * FROM messages WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id');
  const byQueueId = db.prepare('SELECT * FROM messages WHERE queue_id = ?');
  const byMessageId = db.prepare('SELECT * FROM messages WHERE message_id = ? ORDER BY created_at DESC, id DESC');
  const content = db.prepare('SELECT raw FROM message_content WHERE message_id = ?');
  const recipients = db.prepare('SELECT * FROM recipients WHERE message_id = ? ORDER BY id');
  const count = db.prepare('SELECT COUNT(*) AS n FROM messages');
  const listed = db.prepare('SELECT 1 FROM suppressions WHERE address = ?').pluck();

  // Runs as one member of a group transaction (its own SAVEPOINT there): all of it commits, or none.
  const enqueue = (m: NewMessage) => {
    const row: MessageRow = {
      id: 0,
      queue_id: m.queueId,
      message_id: m.messageId,
      message_id_added: m.messageIdAdded ? 1 : 0,
      mail_from: m.mailFrom,
      username: m.username,
      client_ip: m.clientIp,
      client_hostname: m.clientHostname,
      tls: m.tls ? JSON.stringify(m.tls) : null,
      size: m.raw.length,
      sha256: m.sha256,
      tag: m.tag,
      env_id: m.envId,
      ret: m.ret,
      origin: m.origin,
      created_at: m.createdAt,
    };
    row.id = Number(
      insertMessage.run(
        row.queue_id,
        row.message_id,
        row.message_id_added,
        row.mail_from,
        row.username,
        row.client_ip,
        row.client_hostname,
        row.tls,
        row.size,
        sha256Bytes(m.sha256),
        row.tag,
        row.env_id,
        row.ret,
        row.origin,
        row.created_at,
      ).lastInsertRowid,
    );
    const msg = toMessage(row);
    insertContent.run(msg.id, m.raw);
    // The suppression check in this transaction (NewRecipient.suppressionKey), before the received event
    // that counts its outcome.
    const states = m.recipients.map((r) => (r.suppressionKey !== undefined && listed.get(r.suppressionKey) !== undefined ? 'suppressed' : r.state));
    const suppressed = states.filter((x) => x === 'suppressed').length;
    const checked = suppressed > 0 && m.recipients.some((r) => r.suppressionKey !== undefined);
    const detail = checked ? { ...m.receivedDetail, suppressed } : m.receivedDetail;
    insertEvent.run(...writer.params({ at: m.createdAt, messageRowId: msg.id, kind: 'received', phase: 'submission', detail }));
    const rcpts = m.recipients.map((r, i) => {
      const state = states[i]!;
      const rr: RecipientRow = {
        id: 0,
        message_id: msg.id,
        address: r.address,
        domain: r.domain,
        state,
        attempts: 0,
        next_attempt_at: state === 'queued' ? r.nextAttemptAt : null,
        lease_owner: null,
        lease_until: null,
        notify: r.notify ? r.notify.join(',') : null,
        orcpt: r.orcpt,
        last_code: null,
        last_enhanced: null,
        last_text: null,
        category: null,
        hard: null,
        delay_notified_at: null,
        updated_at: m.createdAt,
      };
      rr.id = Number(
        insertRecipient.run(rr.message_id, rr.address, rr.domain, rr.state, rr.next_attempt_at, rr.notify, rr.orcpt, rr.updated_at).lastInsertRowid,
      );
      const row = toRecipient(rr);
      if (state === 'suppressed') {
        insertEvent.run(
          ...writer.params({ at: m.createdAt, messageRowId: msg.id, recipientId: row.id, kind: 'suppressed', text: 'address is on the suppression list' }),
        );
      }
      return row;
    });
    return { message: msg, recipients: rcpts };
  };

  // Concurrent submissions share a transaction and its fsync (group-commit.ts); each resolves after it.
  const commits = groupCommitFor(db);
  // The deliveries started in one turn read their content in one read transaction (read-batch.ts).
  const reads = readBatchFor(db);

  return {
    async enqueue(m) {
      return commits.run(() => enqueue(m));
    },
    async getById(id) {
      const r = byId.get(id) as MessageRow | undefined;
      return r ? toMessage(r) : null;
    },
    async getMany(ids) {
      return ids.length ? (byIds.all(JSON.stringify(ids)) as MessageRow[]).map(toMessage) : [];
    },
    async getByQueueId(queueId) {
      const r = byQueueId.get(queueId) as MessageRow | undefined;
      return r ? toMessage(r) : null;
    },
    async findByMessageId(messageId) {
      return (byMessageId.all(messageId) as MessageRow[]).map(toMessage);
    },
    async content(id) {
      const r = (await reads.run(() => content.get(id))) as { raw: Buffer } | undefined;
      return r ? r.raw : null;
    },
    async contents(ids) {
      return reads.run(() => {
        const out = new Map<number, Buffer>();
        for (const id of ids) {
          const r = content.get(id) as { raw: Buffer } | undefined;
          if (r) out.set(id, r.raw);
        }
        return out;
      });
    },
    async recipients(id) {
      return (recipients.all(id) as RecipientRow[]).map(toRecipient);
    },
    async count() {
      return (count.get() as { n: number }).n;
    },
  };
}

/** A SHA-256 in hex is stored as its 32 bytes (migration 009); anything else as given. toMessage reads both back as hex. */
function sha256Bytes(hex: string): string | Buffer {
  return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : hex;
}
