/**
 * Loading the configuration: YAML file, then MAILTRAIL_* environment overrides, then the zod schema.
 * Any problem becomes a ConfigError naming the key, the value found and what is expected, so the CLI
 * can print one line and exit 2 instead of a stack trace.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { closestKey, knownKeysAt } from './suggest.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const ENV_PREFIX = 'MAILTRAIL_';

/** Reads FILE (if given) and the environment, and returns a validated config. Throws ConfigError. */
export function loadConfig(file: string | null, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${unreadable(err as NodeJS.ErrnoException)}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
      // yaml's first line ends "… at line L, column C:" before a code frame; the position is said already.
      const what = (err as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(`config file ${file} is not valid YAML${where}: ${what}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ConfigError(`config file ${file} must be a YAML mapping of keys (hostname:, database:, submission: …)`);
    }
  }
  const fromEnv = new Map<string, string>();
  const merged = applyEnv(raw as Record<string, unknown>, env, fromEnv);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, merged, file, fromEnv));
  const config = result.data;
  checkListenersApart(config, file);
  // Relative paths are relative to the config file, so a config works from any working directory.
  if (file) {
    const base = path.dirname(path.resolve(file));
    if (config.database.backend === 'sqlite') config.database.path = resolveFrom(base, config.database.path);
    else config.database.state_dir = resolveFrom(base, config.database.state_dir);
    if (config.log.file) config.log.file = resolveFrom(base, config.log.file);
    if (config.submission.tls.cert) config.submission.tls.cert = resolveFrom(base, config.submission.tls.cert);
    if (config.submission.tls.key) config.submission.tls.key = resolveFrom(base, config.submission.tls.key);
    for (const k of config.dkim.keys) k.private_key_file = resolveFrom(base, k.private_key_file);
    if (config.delivery.test_only_ca_file) config.delivery.test_only_ca_file = resolveFrom(base, config.delivery.test_only_ca_file);
  }
  checkDkimKeyFiles(config);
  return config;
}

/**
 * A configured DKIM key that cannot sign is a configuration error, found at start rather than at the
 * first message (which would then get a 4xx). Checks that each file reads as an RSA or Ed25519 key.
 */
export function checkDkimKeyFiles(config: Config): void {
  config.dkim.keys.forEach((k, i) => {
    const key = `config key dkim.keys.${i}.private_key_file`;
    let pem: string;
    try {
      pem = readFileSync(k.private_key_file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `${key}: cannot read ${k.private_key_file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a PEM private key file readable by mailtrail`,
      );
    }
    let type: string | undefined;
    let bits = 0;
    try {
      const parsed = createPrivateKey(pem);
      type = parsed.asymmetricKeyType;
      bits = parsed.asymmetricKeyDetails?.modulusLength ?? 0;
    } catch {
      throw new ConfigError(
        `${key}: ${k.private_key_file} is not a PEM private key; expected an RSA or Ed25519 key (e.g. from \`openssl genpkey -algorithm ed25519\`)`,
      );
    }
    if (type !== 'rsa' && type !== 'ed25519')
      throw new ConfigError(`${key}: ${k.private_key_file} is a ${type} key; expected RSA or Ed25519 (RFC 6376, RFC 8463)`);
    // RFC 8301 §3.2: verifiers refuse RSA keys under 1024 bits.
    if (type === 'rsa' && bits < 1024)
      throw new ConfigError(`${key}: ${k.private_key_file} is a ${bits}-bit RSA key; expected at least 1024 bits (2048 advised)`);
  });
}

/** Why a config file could not be read, and what to do: a bare ENOENT left a new operator guessing. */
function unreadable(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT')
    return 'no such file (ENOENT); give the path of your config with --config FILE or MAILTRAIL_CONFIG (config/mailtrail.example.yaml shows every key)';
  if (err.code === 'EACCES') return 'permission denied (EACCES); the user running mailtrail must be able to read it';
  if (err.code === 'EISDIR') return 'it is a directory (EISDIR); give the YAML file itself';
  return err.code ?? err.message;
}

function resolveFrom(base: string, p: string): string {
  return p === ':memory:' || path.isAbsolute(p) ? p : path.resolve(base, p);
}

/** Keys whose values an error must not print: the message goes to terminals and logs. */
const SECRET_KEYS = /(^|\.)(token|secret|verp_secret|password)$/;

/** Validates an already-parsed object (used by tests and by loadConfig). */
export function parseConfig(raw: unknown, source: string | null = null): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, raw, source));
  checkListenersApart(result.data, source);
  return result.data;
}

/**
 * Two of mailtrail's own listeners on one address and port: the second would fail to bind with "another
 * process uses this port", which sends the operator looking for a process that is mailtrail itself.
 */
function checkListenersApart(config: Config, source: string | null): void {
  const listeners = [
    ['submission.starttls', config.submission.starttls],
    ['submission.implicit_tls', config.submission.implicit_tls],
    ['bounces.listener', config.bounces.enabled ? config.bounces.listener : { enabled: false, host: '', port: 0 }],
    ['api', config.api],
  ] as const;
  const wildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '';
  const on = listeners.filter(([, l]) => ('enabled' in l ? l.enabled !== false : true) && l.port !== 0);
  for (let i = 0; i < on.length; i++)
    for (let j = i + 1; j < on.length; j++) {
      const [a, x] = on[i]!;
      const [b, y] = on[j]!;
      if (x.port === y.port && (x.host === y.host || wildcard(x.host) || wildcard(y.host)))
        throw new ConfigError(
          `config keys ${a}.port and ${b}.port${source ? ` in ${source}` : ''}: both listen on port ${x.port} (${x.host}, ${y.host}); give each listener its own port`,
        );
    }
}

/** `fromEnv`: dotted key → the MAILTRAIL_* variable that set it, so an error points at the variable, not the file. */
function describeIssues(issues: z.core.$ZodIssue[], raw: unknown, source: string | null, fromEnv = new Map<string, string>()): string {
  const lines = issues.slice(0, 5).map((issue) => {
    const dotted = issue.path.map(String).join('.');
    const variable = [...fromEnv].find(
      ([key]) =>
        dotted === key ||
        dotted.startsWith(key + '.') ||
        (issue.code === 'unrecognized_keys' && issue.keys.some((k) => key === (dotted ? `${dotted}.${k}` : k))),
    )?.[1];
    const where = variable ? ` (set by environment variable ${variable})` : source ? ` in ${source}` : '';
    if (issue.code === 'unrecognized_keys') {
      const parent = issue.path.map(String).join('.');
      const keys = issue.keys.map((k) => (parent ? `${parent}.${k}` : k));
      const known = knownKeysAt(configSchema, issue.path as PropertyKey[]);
      const guesses = issue.keys.flatMap((k) => {
        const guess = closestKey(k, known);
        return guess === null ? [] : [issue.keys.length === 1 ? guess : `${guess} (for ${k})`];
      });
      const hint = guesses.length > 0 ? `did you mean ${guesses.join(', ')}? ` : '';
      return `config key ${keys.join(', ')}${where}: unknown key; ${hint}check its spelling (keys are snake_case, see config/mailtrail.example.yaml)`;
    }
    const key = issue.path.map(String).join('.') || '(top level)';
    const value = valueAt(raw, issue.path as PropertyKey[]);
    // JSON shows Infinity and NaN (YAML's .inf and .nan, or 1e400 from the environment) as null.
    const shown =
      value === undefined
        ? 'nothing'
        : typeof value === 'number' && !Number.isFinite(value)
          ? String(value)
          : SECRET_KEYS.test(key)
            ? typeof value === 'string'
              ? `${value.length} characters (not shown: a secret)`
              : `a ${Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value} (not shown: a secret; quote it to make it a string)`
            : // A URL's password (https://user:pass@host/) is a secret too.
              JSON.stringify(typeof value === 'string' ? value.replace(/(\/\/[^/:@\s]*:)[^/@\s]*@/, '$1(not shown)@') : value);
    return `config key ${key}${where}: found ${shown}; expected ${expectation(issue)}`;
  });
  if (issues.length > 5) lines.push(`… and ${issues.length - 5} more problems`);
  return lines.join('\n');
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `a value of type ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string') return `at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `at least ${issue.minimum} entries`;
      return `a number ${issue.inclusive === false ? '>' : '≥'} ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `at most ${issue.maximum} characters`;
      if (issue.origin === 'array') return `at most ${issue.maximum} entries`;
      return `a number ${issue.inclusive === false ? '<' : '≤'} ${issue.maximum}`;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? `a value in ${issue.format} format` : issue.message;
    default:
      return issue.message;
  }
}

function valueAt(raw: unknown, keys: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/**
 * An environment value as YAML would type it where that is meant: a number, true/false, null, a quoted
 * string, a flow list or map (`[…]`, `{…}`). Anything else is the string as given: YAML would cut a secret
 * at " #" (a comment), drop a leading "&a " (an anchor) or read "!x" as a tag.
 */
function envValue(value: string): unknown {
  let parsed: unknown;
  try {
    parsed = parseYaml(value);
  } catch {
    return value;
  }
  const trimmed = value.trim();
  if (typeof parsed === 'number' || typeof parsed === 'boolean') return /^[-+.\w]+$/.test(trimmed) ? parsed : value;
  if (parsed === null) return trimmed === 'null' || trimmed === '~' ? null : value;
  if (typeof parsed === 'string') return /^(['"]).*\1$/s.test(trimmed) ? parsed : value;
  return /^[[{][\s\S]*[\]}]$/.test(trimmed) ? parsed : value;
}

/**
 * MAILTRAIL_A__B_C=value sets a.b_c. Values are read as YAML scalars, so `25`, `true` and `null` keep
 * their types and a JSON array/object can be given inline (MAILTRAIL_A='{…}' replaces the section a).
 */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, fromEnv: Map<string, string>): Record<string, unknown> {
  const out = structuredClone(raw);
  // In name order, so that a section set whole (MAILTRAIL_DATABASE='{backend: postgres}') is applied before
  // a key of it (MAILTRAIL_DATABASE__URL) whatever order the environment lists them in.
  const names = Object.keys(env).sort();
  for (const [name, value] of names.map((n) => [n, env[n]] as const)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    if (name === 'MAILTRAIL_CONFIG' || name === 'MAILTRAIL_PASSWORD') continue; // CLI inputs, not config keys
    const keys = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    if (keys.some((k) => k === '')) throw new ConfigError(`environment variable ${name}: empty key segment; use MAILTRAIL_SECTION__KEY`);
    let cur: Record<string, unknown> = out;
    for (const k of keys.slice(0, -1)) {
      const next = cur[k];
      if (next === undefined || next === null) cur[k] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) throw new ConfigError(`environment variable ${name}: ${k} is not a section`);
      cur = cur[k] as Record<string, unknown>;
    }
    fromEnv.set(keys.join('.'), name);
    cur[keys[keys.length - 1]] = envValue(value);
  }
  return out;
}
