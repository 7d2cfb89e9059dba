import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPassingWriteError, isStorageFull } from '../../src/store/errors.js';

test('a full disk is recognised from SQLite, the system and PostgreSQL; passing write errors are told from faults', () => {
  assert.ok(isStorageFull(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })));
  assert.ok(isStorageFull(Object.assign(new Error('write failed'), { code: 'ENOSPC' })));
  assert.ok(isStorageFull(Object.assign(new Error('could not extend file'), { code: '53100' })));
  assert.ok(!isStorageFull(Object.assign(new Error('constraint failed'), { code: 'SQLITE_CONSTRAINT' })));
  for (const code of ['SQLITE_BUSY', '08006', '57P01', 'ECONNREFUSED']) assert.ok(isPassingWriteError(Object.assign(new Error('x'), { code })), code);
  assert.ok(!isPassingWriteError(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })));
  assert.ok(!isPassingWriteError(new TypeError('x is undefined')));
});
