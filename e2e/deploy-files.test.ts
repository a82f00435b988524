/**
 * The deployment files under deploy/ (systemd unit, Dockerfile, Kubernetes manifests) are
 * checked as far as this machine can: systemd-analyze verifies the unit; every gateway
 * command line in them goes through the CLI's own parser; the numbers agree with each
 * other (stop timeout and grace period above the drain timeout, probe ports and paths,
 * Service and Ingress names); the Dockerfile installs exactly sockway and the gateway's
 * dependencies; docs/deployment.md shows the files as they are.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ROUTE_PARAMETER } from '../shared/protocol.ts';
import { ADMIN_PATHS } from '../gateway/admin-endpoint.ts';
import { parseGatewayArgs } from '../gateway/cli-options.ts';
import { GATEWAY_DEPENDENCIES } from '../gateway/dependencies.ts';
import { requireProgram } from './fixtures/system-package.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const read = (path: string): string => readFileSync(join(REPO, path), 'utf8');

/** The gateway's probe paths: a renamed path fails here. */
const PROBE_PATHS = { liveness: ADMIN_PATHS.health, readiness: ADMIN_PATHS.ready } as const;

/** The gateway's own reading of a command line (no environment: the file alone counts). */
function gatewayCli(args: readonly string[]): { port: number; drainTimeout: number } {
  const options = parseGatewayArgs(args, {});
  assert.equal(options.help, false);
  if (options.help || options.version) throw new Error('not a command line that runs the gateway');
  return { port: options.port, drainTimeout: options.drainTimeout };
}

/** The shell-free words of a systemd command line (the unit uses no quoting). */
const words = (line: string): string[] => line.trim().split(/\s+/);

function unitSettings(unit: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of unit.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match !== null) settings.set(match[1] as string, match[2] as string);
  }
  return settings;
}

/** A systemd time span in ms ('45s', '2min', '1min 30s', bare seconds). */
function systemdSpan(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of text.trim().split(/\s+/)) {
    const match = /^(\d+)([a-z]*)$/.exec(part);
    assert.ok(match !== null, `time span ${text}`);
    const unit = units[match[2] === '' ? 's' : (match[2] as string)];
    assert.ok(unit !== undefined, `unit of ${text}`);
    total += Number(match[1]) * unit;
  }
  return total;
}

const packageJson = JSON.parse(read('package.json')) as { name: string; bin: Record<string, string> };
/** Where the CLI lives in an install under /opt/sockway. */
const INSTALLED_CLI = `/opt/sockway/node_modules/${packageJson.name}/${packageJson.bin['sockway-gateway']?.replace(/^\.\//, '')}`;

test('systemd unit: systemd-analyze verify finds nothing; the stop timeout outlasts the drain; SIGTERM; a raised file limit', () => {
  const unit = read('deploy/sockway-gateway.service');
  const settings = unitSettings(unit);
  const [node, cli, ...args] = words(settings.get('ExecStart') ?? '');
  assert.equal(node, '/usr/bin/node');
  assert.equal(cli, INSTALLED_CLI);
  const { drainTimeout } = gatewayCli(args);
  assert.ok(drainTimeout > 0);
  assert.ok(systemdSpan(settings.get('TimeoutStopSec') ?? '0') > drainTimeout, 'TimeoutStopSec above --drain-timeout');
  assert.equal(settings.get('KillSignal'), 'SIGTERM');
  assert.ok(Number(settings.get('LimitNOFILE')) >= 65_536);
  // The sandbox must leave outgoing TCP alone.
  assert.match(settings.get('RestrictAddressFamilies') ?? '', /\bAF_INET\b.*\bAF_INET6\b/);
  assert.equal(settings.get('IPAddressDeny'), undefined);

  const analyze = requireProgram({ name: 'systemd-analyze', debianPackage: 'systemd', candidates: ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'] });
  const dir = mkdtempSync(join(tmpdir(), 'sockway-unit-'));
  try {
    // As written, but with this machine's node, which verify checks is executable.
    writeFileSync(join(dir, 'sockway-gateway.service'), unit.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    const result = spawnSync(analyze, ['verify', join(dir, 'sockway-gateway.service')], { encoding: 'utf8' });
    // verify warns about unknown keys and bad values on stderr and still exits 0: any output fails.
    assert.equal(`${result.stdout}${result.stderr}`.trim(), '', 'systemd-analyze verify output');
    assert.equal(result.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The Dockerfile's instructions, continuation lines joined. */
function dockerInstructions(text: string): { keyword: string; rest: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
      assert.ok(match !== null, `Dockerfile line ${line}`);
      return { keyword: match[1] as string, rest: match[2] as string };
    });
}

test('Dockerfile: node:20-slim, npm install of exactly sockway and GATEWAY_DEPENDENCIES, not root, the CLI as entrypoint, a /healthz check on the served port', () => {
  const instructions = dockerInstructions(read('deploy/Dockerfile'));
  const one = (keyword: string): string => {
    const found = instructions.filter((instruction) => instruction.keyword === keyword);
    assert.equal(found.length, 1, `one ${keyword}`);
    return (found[0] as { rest: string }).rest;
  };
  assert.equal(one('FROM'), 'node:20-slim');
  const install = /npm install ((?:\S+\s*)+?)(?:&&|$)/.exec(one('RUN'));
  assert.ok(install !== null, 'RUN npm install');
  const packages = words(install[1] as string).filter((word) => !word.startsWith('-'));
  assert.deepEqual(packages, [packageJson.name, ...GATEWAY_DEPENDENCIES], 'the packages of the install line');
  assert.doesNotMatch(one('USER'), /^(root|0)(:|$)/);
  assert.equal(one('STOPSIGNAL'), 'SIGTERM');
  const entrypoint = JSON.parse(one('ENTRYPOINT')) as string[];
  assert.deepEqual(entrypoint, ['node', INSTALLED_CLI]);
  const { port } = gatewayCli(JSON.parse(one('CMD')) as string[]);
  assert.equal(one('EXPOSE'), String(port));
  assert.ok(one('HEALTHCHECK').includes(`http://127.0.0.1:${port}${PROBE_PATHS.liveness}`), 'HEALTHCHECK asks /healthz on the gateway port');
});

interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

test('Kubernetes: Deployment, Service and Ingress parse; grace period above preStop + drain; probes on /readyz and /healthz of the gateway port; names and the route-key hash agree', () => {
  const documents = parseAllDocuments(read('deploy/kubernetes.yaml'));
  for (const document of documents) assert.deepEqual(document.errors, [], 'YAML errors');
  const objects = documents.map((document) => document.toJS() as K8sObject);
  assert.deepEqual(objects.map((object) => object.kind), ['Deployment', 'Service', 'Ingress']);
  const [deployment, service, ingress] = objects as [K8sObject, K8sObject, K8sObject];

  type Probe = { httpGet: { path: string; port: string | number } };
  type Container = {
    args: string[];
    ports: { name: string; containerPort: number }[];
    readinessProbe: Probe;
    livenessProbe: Probe;
    lifecycle?: { preStop?: { exec?: { command: string[] } } };
  };
  const template = deployment.spec['template'] as { metadata: { labels: Record<string, string> }; spec: { terminationGracePeriodSeconds: number; containers: Container[] } };
  const [container] = template.spec.containers;
  assert.ok(container !== undefined);
  const { port, drainTimeout } = gatewayCli(container.args);
  const named = (ref: string | number): number => (typeof ref === 'number' ? ref : (container.ports.find((p) => p.name === ref)?.containerPort ?? -1));
  assert.equal(named(container.readinessProbe.httpGet.port), port, 'readiness probe on the gateway port');
  assert.equal(named(container.livenessProbe.httpGet.port), port, 'liveness probe on the gateway port');
  assert.equal(container.readinessProbe.httpGet.path, PROBE_PATHS.readiness);
  assert.equal(container.livenessProbe.httpGet.path, PROBE_PATHS.liveness);

  const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
  const preStopMs = preStop[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
  assert.ok(template.spec.terminationGracePeriodSeconds * 1000 > preStopMs + drainTimeout, 'terminationGracePeriodSeconds above preStop + --drain-timeout');

  // The Service selects the pods and forwards to the gateway port; the Ingress routes to the Service.
  const selector = service.spec['selector'] as Record<string, string>;
  for (const [key, value] of Object.entries(selector)) assert.equal(template.metadata.labels[key], value, `Service selector ${key}`);
  const servicePorts = service.spec['ports'] as { name: string; targetPort: string | number }[];
  assert.equal(named((servicePorts[0] as { targetPort: string | number }).targetPort), port);
  const rules = ingress.spec['rules'] as { http: { paths: { backend: { service: { name: string; port: { name?: string; number?: number } } } }[] } }[];
  const backend = rules[0]?.http.paths[0]?.backend.service;
  assert.equal(backend?.name, service.metadata.name);
  assert.ok(servicePorts.some((p) => p.name === backend?.port.name), 'Ingress backend port is a Service port');

  // Session affinity: the balancer hashes the route key the client puts in the WebSocket URL.
  assert.equal(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/upstream-hash-by'], `$arg_${ROUTE_PARAMETER}`);
});

test('docs/deployment.md shows the deploy/ files as they are, and the README links to it', () => {
  const docs = read('docs/deployment.md');
  for (const [file, language] of [['deploy/sockway-gateway.service', 'ini'], ['deploy/Dockerfile', 'dockerfile'], ['deploy/kubernetes.yaml', 'yaml']] as const) {
    const block = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(docs);
    assert.ok(block !== null, `docs/deployment.md has a \`\`\`${language} block`);
    assert.equal(block[1], read(file), `docs/deployment.md's ${language} block is ${file}`);
  }
  assert.match(read('README.md'), /\]\(docs\/deployment\.md\)/);
});
