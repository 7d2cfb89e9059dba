import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { sqliteSettings } from '../../src/config/database.js';
import { configSchema } from '../../src/config/schema.js';
import { parse as parseYaml } from 'yaml';

const dir = mkdtempSync(path.join(tmpdir(), 'mailtrail-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('the shipped dev and example configs are valid', () => {
  const dev = loadConfig('config/mailtrail.dev.yaml', {});
  assert.equal(dev.submission.starttls.port, 2587);
  assert.ok(dev.submission.starttls.port > 1024, 'dev default must not need root');
  const prod = loadConfig('config/mailtrail.example.yaml', {});
  assert.equal(prod.submission.starttls.port, 587);
  assert.equal(prod.submission.implicit_tls.port, 465);
  assert.equal(prod.bounces.listener.port, 25);
  assert.equal(sqliteSettings(prod.database).synchronous, 'FULL');
});

test('the example config shows every key that has a default (as a value, or as a commented line for a long list)', () => {
  const text = readFileSync('config/mailtrail.example.yaml', 'utf8');
  const example = parseYaml(text) as Record<string, unknown>;
  const defaults = configSchema.parse({});
  const keys = (o: unknown, prefix = ''): string[] =>
    o && typeof o === 'object' && !Array.isArray(o) && Object.keys(o).length
      ? Object.entries(o).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k))
      : [prefix];
  const shown = new Set(keys(example));
  const missing = keys(defaults).filter((k) => {
    if ([...shown].some((e) => e === k || e.startsWith(`${k}.`))) return false;
    const leaf = k.split('.').at(-1)!;
    return !new RegExp(`^\\s*#\\s*${leaf}:`, 'm').test(text);
  });
  assert.deepEqual(missing, [], 'keys with a default that config/mailtrail.example.yaml does not show');
});

test('defaults fill what the file leaves out, relative paths follow the file', () => {
  const c = loadConfig(file('min.yaml', 'hostname: mx.example.org\n'), {});
  assert.equal(c.hostname, 'mx.example.org');
  assert.equal(c.submission.limits.max_recipients, 100);
  assert.equal(c.delivery.retry.max_queue_lifetime_ms, 5 * 24 * 3600 * 1000);
  assert.equal(sqliteSettings(c.database).path, path.join(dir, 'data/mailtrail.db'));
});

test('MAILTRAIL_ environment variables override the file, with types', () => {
  const c = loadConfig(file('env.yaml', 'submission:\n  limits:\n    max_recipients: 10\n'), {
    MAILTRAIL_SUBMISSION__LIMITS__MAX_RECIPIENTS: '50',
    MAILTRAIL_DELIVERY__DNS_SERVERS: '["127.0.0.1:5353"]',
    MAILTRAIL_BOUNCES__ENABLED: 'true',
  });
  assert.equal(c.submission.limits.max_recipients, 50);
  assert.deepEqual(c.delivery.dns_servers, ['127.0.0.1:5353']);
  assert.equal(c.bounces.enabled, true);
});

test('an environment value is the string as given unless it is a number, a boolean, null, quoted or a flow collection', () => {
  const c = loadConfig(file('env-strings.yaml', 'hostname: mx.example.org\n'), {
    // YAML would cut at " #", drop "&a " (an anchor) and read "!x" as a tag: a secret is taken whole.
    MAILTRAIL_BOUNCES__VERP_SECRET: 'my-long-random-secret #2024',
    MAILTRAIL_HOSTNAME: '"mx.quoted.example"',
    MAILTRAIL_API__PORT: '8099',
  });
  assert.equal(c.bounces.verp_secret, 'my-long-random-secret #2024');
  assert.equal(c.hostname, 'mx.quoted.example');
  assert.equal(c.api.port, 8099);
  for (const secret of ['&a b-secret-value-long-enough', '!tag-like-secret-value-long']) {
    assert.equal(loadConfig(file('env-strings.yaml', 'hostname: mx.example.org\n'), { MAILTRAIL_BOUNCES__VERP_SECRET: secret }).bounces.verp_secret, secret);
  }
});

test('a secret that is not a string is not printed in the error', () => {
  assert.throws(
    () => loadConfig(file('env-num.yaml', 'bounces:\n  verp_secret: 48151623421234\n'), {}),
    (err: unknown) => {
      assert.match((err as Error).message, /config key bounces\.verp_secret in .*: found a number \(not shown: a secret; quote it to make it a string\)/);
      assert.doesNotMatch((err as Error).message, /48151623421234/);
      return true;
    },
  );
});

test('a bad value from the environment names the variable, not the file', () => {
  const f = file('env-bad.yaml', 'hostname: mx.example.org\n');
  assert.throws(
    () => loadConfig(f, { MAILTRAIL_API__PORT: 'eighty' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match((err as Error).message, /config key api\.port \(set by environment variable MAILTRAIL_API__PORT\): found "eighty"/);
      assert.doesNotMatch((err as Error).message, /env-bad\.yaml/);
      return true;
    },
  );
  assert.throws(() => loadConfig(f, { MAILTRAIL_API__PORTT: '80' }), /config key api\.portt \(set by environment variable MAILTRAIL_API__PORTT\): unknown key/);
});

const badCases: Array<[string, string, RegExp]> = [
  ['wrong type', 'submission:\n  limits:\n    max_recipients: many\n', /submission\.limits\.max_recipients.*found "many".*expected a value of type number/],
  ['out of range', 'submission:\n  starttls: { port: 70000 }\n', /submission\.starttls\.port.*found 70000.*≤ 65535/],
  ['bad enum', 'database:\n  synchronous: SOMETIMES\n', /database\.synchronous.*found "SOMETIMES".*one of "FULL", "EXTRA", "NORMAL"/],
  ['unknown key (typo)', 'submission:\n  limits:\n    max_recipents: 5\n', /config key submission\.limits\.max_recipents.*unknown key/],
  ['not a mapping', '- a\n- b\n', /must be a YAML mapping/],
  ['broken YAML', 'hostname: [unclosed\n', /not valid YAML at line \d+, column \d+: [^\n]*[^:\n]$/],
  ['bad hostname', 'hostname: "not a host"\n', /config key hostname.*found "not a host"/],
  ['IPv6 prefix too short', 'submission:\n  limits:\n    ipv6_prefix_length: 32\n', /submission\.limits\.ipv6_prefix_length.*found 32; expected a number ≥ 48/],
  ['IPv6 prefix too long', 'bounces:\n  ipv6_prefix_length: 129\n', /bounces\.ipv6_prefix_length.*found 129; expected a number ≤ 128/],
  ['IPv6 prefix not a whole number', 'api:\n  limits:\n    ipv6_prefix_length: 64.5\n', /api\.limits\.ipv6_prefix_length.*found 64\.5/],
  ['no HTTP failure limit', 'api:\n  limits:\n    max_auth_failures: 0\n', /api\.limits\.max_auth_failures.*found 0.*> 0/],
  ['a trusted proxy that is not an address', 'api:\n  trusted_proxies: [nginx]\n', /api\.trusted_proxies\.0.*"nginx" is not an IP address or CIDR block/],
  [
    'a trusted proxy with a bad prefix',
    'api:\n  trusted_proxies: ["10.0.0.0/33"]\n',
    /api\.trusted_proxies\.0.*"10\.0\.0\.0\/33" is not an IP address or CIDR block/,
  ],
  [
    'a PROXY-protocol balancer that is not an address',
    'submission:\n  proxy_protocol: [haproxy.internal]\n',
    /submission\.proxy_protocol\.0.*"haproxy\.internal" is not an IP address or CIDR block/,
  ],
  [
    'a PROXY-protocol balancer with a bad prefix (bounce listener)',
    'bounces:\n  proxy_protocol: ["10.0.0.1", "2001:db8::/129"]\n',
    /bounces\.proxy_protocol\.1.*"2001:db8::\/129" is not an IP address or CIDR block/,
  ],
  ['a PROXY header timeout of 0', 'submission:\n  limits:\n    proxy_header_timeout_ms: 0\n', /submission\.limits\.proxy_header_timeout_ms.*found 0/],
  ['an HTTP failure window of 0', 'api:\n  limits:\n    auth_failure_window_ms: 0\n', /api\.limits\.auth_failure_window_ms.*found 0/],
  [
    'a short config token (not printed)',
    'api:\n  tokens:\n    - { name: ops, token: hunter2hunter2hunter2, scope: admin }\n',
    /api\.tokens\.0\.token.*found 21 characters \(not shown: a secret\); expected at least 32 characters without spaces, random: make one with `openssl rand -base64 32`/,
  ],
  [
    'a config token with a space',
    'api:\n  tokens:\n    - { name: ops, token: "correct horse battery staple and more", scope: admin }\n',
    /api\.tokens\.0\.token.*expected at least 32 characters without spaces/,
  ],
  ['an infinite number', 'submission:\n  limits:\n    max_recipients: .inf\n', /submission\.limits\.max_recipients.*found Infinity;/],
  [
    'a static route to a bare IPv6 address',
    'delivery:\n  routes:\n    example.com: "::1"\n',
    /delivery\.routes\.example\.com.*cannot read "::1" as host\[:port\]; an IPv6 address goes in brackets/,
  ],
  [
    'a static route to a port out of range',
    'delivery:\n  routes:\n    example.com: "mx.example.net:99999"\n',
    /delivery\.routes\.example\.com.*port 99999 is not between 1 and 65535/,
  ],
  [
    'an alias bomb',
    `${['a0: &a0 [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(',')}]`)].join('\n')}\nhostname: *a8\n`,
    /not valid YAML.*resource exhaustion/,
  ],
];
for (const [name, text, expected] of badCases) {
  test(`a bad config is refused with the key named: ${name}`, () => {
    assert.throws(
      () => loadConfig(file(`bad-${name.replace(/\W/g, '_')}.yaml`, text), {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, 'a ConfigError');
        assert.match((err as Error).message, expected);
        assert.doesNotMatch((err as Error).message, /hunter2|horse/, 'a secret is never printed');
        return true;
      },
    );
  });
}

test('destination tables (TLS policy, static routes) are keyed as the queue keys domains: case, a trailing dot and U-labels do not matter', () => {
  const c = loadConfig(
    file(
      'destinations.yaml',
      'delivery:\n  tls_policy:\n    domains:\n      Secure.Example: required\n      "bücher.example.": required\n  routes:\n    ".Sub.Example": "[127.0.0.1]:2525"\n    "müller.example": relay.example.net\n',
    ),
    {},
  );
  assert.deepEqual(c.delivery.tls_policy.domains, { 'secure.example': 'required', 'xn--bcher-kva.example': 'required' });
  assert.deepEqual(c.delivery.routes, { '.sub.example': '[127.0.0.1]:2525', 'xn--mller-kva.example': 'relay.example.net' });
});

test('a missing config file is a ConfigError naming the file and how to give the right one', () => {
  assert.throws(
    () => loadConfig(path.join(dir, 'nope.yaml'), {}),
    /cannot read config file .*nope\.yaml: no such file \(ENOENT\); give the path of your config with --config FILE or MAILTRAIL_CONFIG/,
  );
  assert.throws(() => loadConfig(dir, {}), /cannot read config file .*: it is a directory \(EISDIR\)/);
});

test('an unknown key suggests the key it was probably meant to be, at its own level of the schema', () => {
  const cases: Array<[string, RegExp]> = [
    [
      'submission:\n  limits:\n    max_recipient: 5\n',
      /config key submission\.limits\.max_recipient in .*: unknown key; did you mean max_recipients\? check its spelling/,
    ],
    ['databse: {}\n', /config key databse in .*: unknown key; did you mean database\?/],
    ['database: { backend: postgres, url: "postgres://x@h/db", pol: 3 }\n', /config key database\.pol in .*: unknown key; did you mean pool\?/],
    ['delivery:\n  retry: { max_delay: 5 }\n', /config key delivery\.retry\.max_delay in .*: unknown key; did you mean max_delay_ms\?/],
    [
      'webhooks:\n  endpoints: [{ name: a, url: "http://h/", secret: "0123456789abcdef", timout_ms: 5 }]\n',
      /config key webhooks\.endpoints\.0\.timout_ms in .*: unknown key; did you mean timeout_ms\?/,
    ],
    ['submission:\n  limits: { max-recipients: 5, zzz: 1 }\n', /unknown key; did you mean max_recipients \(for max-recipients\)\? check/],
    ['api:\n  frobnicate: 1\n', /config key api\.frobnicate in .*: unknown key; check its spelling/],
  ];
  for (const [text, expected] of cases) assert.throws(() => loadConfig(file('typo.yaml', text), {}), expected, text);
  assert.throws(
    () => loadConfig(null, { MAILTRAIL_API__PORTT: '80' }),
    /api\.portt \(set by environment variable MAILTRAIL_API__PORTT\): unknown key; did you mean port\?/,
  );
});

test('a listener given in part keeps the defaults of the rest: { enabled: false } needs no port', () => {
  const c = loadConfig(
    file('listeners.yaml', 'submission:\n  implicit_tls: { enabled: false }\n  starttls: { port: 587 }\nbounces:\n  listener: { host: 0.0.0.0 }\n'),
    {},
  );
  assert.deepEqual(c.submission.implicit_tls, { enabled: false, host: '127.0.0.1', port: 2465 });
  assert.deepEqual(c.submission.starttls, { enabled: true, host: '127.0.0.1', port: 587 });
  assert.deepEqual(c.bounces.listener, { enabled: true, host: '0.0.0.0', port: 2525 });
  // The same from the environment alone, with no file (the variable makes a section of one key).
  const e = loadConfig(null, { MAILTRAIL_SUBMISSION__IMPLICIT_TLS__ENABLED: 'false' });
  assert.equal(e.submission.implicit_tls.enabled, false);
  assert.equal(e.submission.starttls.port, 2587);
});

test('database: SQLite when no backend is named; PostgreSQL with a URL (from the environment too) and a pool', () => {
  const old = loadConfig(file('db-old.yaml', 'database:\n  path: ./q.db\n'), {});
  assert.equal(old.database.backend, 'sqlite');
  assert.equal(sqliteSettings(old.database).path, path.join(dir, 'q.db'));
  const pg = loadConfig(file('db-pg.yaml', 'database:\n  backend: postgres\n  url: postgres://mt@db.example.net/mailtrail\n'), {});
  assert.deepEqual(pg.database, {
    backend: 'postgres',
    url: 'postgres://mt@db.example.net/mailtrail',
    pool: 10,
    statement_timeout_ms: 30_000,
    state_dir: path.join(dir, 'data'),
  });
  const env = loadConfig(file('db-env.yaml', 'hostname: mx.example.org\n'), {
    MAILTRAIL_DATABASE__BACKEND: 'postgres',
    MAILTRAIL_DATABASE__URL: 'postgres://mt:secret@127.0.0.1:5432/mt',
    MAILTRAIL_DATABASE__POOL: '4',
  });
  assert.equal(env.database.backend === 'postgres' && env.database.pool, 4);
});

test('a section set whole from the environment, then a key of it: the SQLite section of the file becomes PostgreSQL with the URL, in either order', () => {
  const f = file('db-section.yaml', 'database:\n  backend: sqlite\n  path: /var/lib/mailtrail/mailtrail.db\n  synchronous: FULL\n');
  const url = 'postgres://mailtrail:secret@postgres:5432/mailtrail';
  const section = '{ backend: postgres, state_dir: /var/lib/mailtrail }';
  for (const env of [
    { MAILTRAIL_DATABASE: section, MAILTRAIL_DATABASE__URL: url },
    { MAILTRAIL_DATABASE__URL: url, MAILTRAIL_DATABASE: section },
  ]) {
    assert.deepEqual(
      loadConfig(f, env).database,
      { backend: 'postgres', url, pool: 10, statement_timeout_ms: 30_000, state_dir: '/var/lib/mailtrail' },
      Object.keys(env).join(' then '),
    );
  }
});

test('database: a wrong backend, a PostgreSQL key on SQLite, or a missing URL names the key', () => {
  const cases: [string, RegExp][] = [
    ['database:\n  backend: mysql\n', /database\.backend.*sqlite or postgres/s],
    ['database:\n  backend: postgres\n', /database\.url/],
    ['database:\n  backend: postgres\n  url: mysql://x\n', /database\.url.*postgres:\/\//s],
    ['database:\n  path: ./x.db\n  pool: 3\n', /database.*pool/s],
  ];
  for (const [i, [text, expected]] of cases.entries()) {
    assert.throws(
      () => loadConfig(file(`db-bad-${i}.yaml`, text), {}),
      (err: unknown) => err instanceof ConfigError && expected.test(err.message),
      text,
    );
  }
});

test('the per-user AUTH budget refuses a negative budget, a fractional one and a year and more of known addresses, with the key named', () => {
  const cases: [string, RegExp][] = [
    ['submission:\n  limits:\n    max_auth_failures_per_user: -1\n', /submission\.limits\.max_auth_failures_per_user.*found -1/s],
    ['submission:\n  limits:\n    max_auth_failures_per_user: 2.5\n', /submission\.limits\.max_auth_failures_per_user.*found 2\.5/s],
    ['submission:\n  limits:\n    auth_user_window_ms: 0\n', /submission\.limits\.auth_user_window_ms.*found 0/s],
    ['submission:\n  limits:\n    known_address_days: 400\n', /submission\.limits\.known_address_days.*found 400/s],
  ];
  for (const [i, [text, expected]] of cases.entries()) {
    assert.throws(
      () => loadConfig(file(`user-budget-bad-${i}.yaml`, text), {}),
      (err: unknown) => err instanceof ConfigError && expected.test(err.message),
      text,
    );
  }
  const c = loadConfig(file('user-budget-default.yaml', 'hostname: mx.example.org\n'), {});
  assert.equal(c.submission.limits.max_auth_failures_per_user, 100);
  assert.equal(c.submission.limits.auth_user_window_ms, 15 * 60_000);
  assert.equal(c.submission.limits.known_address_days, 30);
});

test('two of mailtrail\'s own listeners on one port are a config error (the second bind would blame "another process")', () => {
  assert.throws(
    () => loadConfig(file('same-port.yaml', 'submission:\n  starttls: { host: 127.0.0.1, port: 2525 }\napi: { host: 0.0.0.0, port: 2525 }\n'), {}),
    /config keys submission\.starttls\.port and api\.port in .*same-port\.yaml: both listen on port 2525 \(127\.0\.0\.1, 0\.0\.0\.0\); give each listener its own port/,
  );
  // Different addresses, one port: fine (each binds its own address).
  const apart = loadConfig(file('apart.yaml', 'submission:\n  starttls: { host: 127.0.0.1, port: 2526 }\napi: { host: 127.0.0.2, port: 2526 }\n'), {});
  assert.equal(apart.api.port, 2526);
});

test('two API tokens with one name are a config error (the name says who did an action), naming the key, not the token', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  assert.throws(
    () =>
      loadConfig(file('tokens.yaml', `api:\n  tokens:\n    - { name: ops, token: ${a}, scope: admin }\n    - { name: ops, token: ${b}, scope: read }\n`), {}),
    (err: unknown) => {
      assert.match((err as Error).message, /config key api\.tokens\.1\.name in .*: found "ops"; expected a name not used by another token \("ops" is taken\)/);
      assert.doesNotMatch((err as Error).message, /aaaa|bbbb/);
      return true;
    },
  );
});
