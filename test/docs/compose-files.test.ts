/**
 * docker-compose.yml (one relay on SQLite) and docker-compose.cluster.yml (two relays on PostgreSQL) are
 * kept correct by reading: no Docker engine runs the tests. This reads them as Compose would (YAML merge
 * keys, ${VAR} interpolation) and checks what would otherwise only fail on someone's server: the commands
 * exist in the image, each relay's environment makes a valid config from the example file with the backend
 * it is meant to have, dependencies name real services, health checks ask real routes, host ports differ.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import YAML from 'yaml';
import { openApiDocument } from '../../src/api/openapi.js';
import { loadConfig } from '../../src/config/load.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  profiles?: string[];
}

const root = new URL('../../', import.meta.url);

/** The file as Compose reads it: merge keys resolved, ${VAR}, ${VAR:-x} and ${VAR:?msg} given a value. */
function compose(name: string): { services: Record<string, Service> } {
  const text = readFileSync(new URL(name, root), 'utf8').replace(/\$\{(\w+)(?::?[-?][^}]*)?\}/g, 'letters0and0digits');
  return YAML.parse(text, { merge: true });
}

/** The Dockerfile's default command (CMD) after its ENTRYPOINT `node bin/mailtrail.js`. */
function imageDefaultCommand(): string[] {
  const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
  assert.match(dockerfile, /^ENTRYPOINT \["node", "bin\/mailtrail\.js"\]$/m);
  return JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
}

const relays = (services: Record<string, Service>) => Object.entries(services).filter(([, s]) => s.image === 'mailtrail:local');

for (const [file, backend] of [
  ['docker-compose.yml', 'sqlite'],
  ['docker-compose.cluster.yml', 'postgres'],
] as const) {
  test(`${file}: mailtrail services run real commands on a valid ${backend} config; dependencies, health checks and ports hold`, () => {
    const { services } = compose(file);
    const apiPaths = Object.keys((openApiDocument() as { paths: Record<string, unknown> }).paths);
    const hostPorts: string[] = [];
    for (const [name, s] of relays(services)) {
      const [command, ...args] = s.command ?? imageDefaultCommand();
      assert.ok(existsSync(new URL(`src/cli/commands/${command}.ts`, root)), `${name}: mailtrail ${command} is a command`);
      assert.equal(args[args.indexOf('--config') + 1], '/etc/mailtrail/mailtrail.yaml', `${name}: reads the mounted config`);
      // The operator's ./config/mailtrail.yaml starts as the example; the service's environment goes on top.
      const config = loadConfig('config/mailtrail.example.yaml', s.environment ?? {});
      assert.equal(config.database.backend, backend, `${name}: database backend`);
      if (config.database.backend === 'postgres') {
        assert.match(
          config.database.url,
          /^postgres:\/\/mailtrail:letters0and0digits@postgres:5432\/mailtrail$/,
          `${name}: the URL names the postgres service`,
        );
        assert.ok(config.database.state_dir.startsWith('/var/lib/mailtrail'), `${name}: its own files on its volume`);
      }
      if (s.healthcheck) {
        const url = /fetch\('http:\/\/127\.0\.0\.1:(\d+)(\/[^']*)'\)/.exec(s.healthcheck.test.join(' '));
        assert.ok(url, `${name}: the health check fetches the API`);
        assert.equal(Number(url[1]), config.api.port, `${name}: health check on the API port`);
        assert.ok(apiPaths.includes(url[2]!), `${name}: ${url[2]} is an API route`);
        assert.equal(config.api.host, '0.0.0.0', `${name}: the API listens beyond the container's loopback`);
      }
      for (const p of s.ports ?? []) hostPorts.push(p.split(':').slice(0, -1).join(':'));
    }
    assert.equal(new Set(hostPorts).size, hostPorts.length, `host ports published twice: ${hostPorts.join(', ')}`);
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        assert.ok(services[dep], `${name} depends on ${dep}, a service of this file`);
        assert.ok(['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition), `${name}: condition ${condition}`);
        if (condition === 'service_healthy') assert.ok(services[dep]!.healthcheck, `${dep} has a health check to wait for`);
      }
    }
  });
}

test('docker-compose.cluster.yml: PostgreSQL with a health check and a volume; the migration runs once before both relays', () => {
  const { services } = compose('docker-compose.cluster.yml');
  const pg = services.postgres!;
  assert.match(pg.image!, /^postgres:15/);
  assert.ok(pg.healthcheck?.test.includes('pg_isready'));
  assert.equal(services.migrate!.command![0], 'migrate');
  const nodes = relays(services).filter(([name]) => name !== 'migrate');
  assert.equal(nodes.length, 2, 'two relays');
  for (const [name, s] of nodes) {
    assert.equal(s.depends_on?.migrate?.condition, 'service_completed_successfully', name);
    assert.equal(s.depends_on?.postgres?.condition, 'service_healthy', name);
  }
});
