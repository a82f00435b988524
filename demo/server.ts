/**
 * The demo, on one port: the TCP console page (demo/, built with Vite and the sockway
 * plugin), the gateway at /sockway, and /targets.json listing what the gateway allows
 * (demo/page-config.ts). The policy allows the demo's own targets only: its line service,
 * 127.0.0.1:9 (nothing listens there) to show ECONNREFUSED, the SQL and SSH servers it
 * was given, plus what `allow` adds. Anything else is denied.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { type GatewayLogEntry, type Rule, createGateway, parseRule } from '../gateway/index.ts';
import { sockway } from '../vite/index.ts';
import { startLineService } from './line-service.ts';
import type { DemoTarget, PageConfig, SqlServer, SshLogin, SshTarget } from './page-config.ts';
import { serveStatic } from './static-files.ts';

export type { DemoTarget, SqlServer, SshLogin, SshTarget } from './page-config.ts';

const DEMO_ROOT = fileURLToPath(new URL('./', import.meta.url));
/** The gateway's path on the demo server. */
export const GATEWAY_PATH = '/sockway';
/** A port nothing listens on, for the ECONNREFUSED example. */
const REFUSED_TARGET = { host: '127.0.0.1', port: 9 };

/** Options of startDemo(). */
export interface DemoOptions {
  /** HTTP port; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Interface to listen on. Default 127.0.0.1: exposing a TCP gateway is a decision to make explicitly. */
  readonly host?: string;
  /** Gateway log entries (denials, errors, sessions). Default: none. */
  readonly log?: (entry: GatewayLogEntry) => void;
  /** An SSH server the page's SSH terminal may reach (allowed at the gateway), and a login to prefill. Default: none. */
  readonly ssh?: { readonly host: string; readonly port: number; readonly login?: SshLogin };
  /**
   * A PostgreSQL server for the SQL console (allowed at the gateway) and the login its form
   * is prefilled with — served to the page in /targets.json, so a throwaway one. Default: none.
   */
  readonly sql?: SqlServer;
  /**
   * More connect rules for the gateway, in its HOST:PORT syntax (`127.0.0.1:5432`, `db.internal:*`),
   * e.g. a database for the SQL console. Default: none. A malformed rule throws (code SOCKWAY_ERR_INVALID_RULE).
   */
  readonly allow?: readonly string[];
}

/** A running demo. */
export interface Demo {
  /** The page: http://HOST:PORT/ */
  readonly url: string;
  /** The gateway: ws://HOST:PORT/sockway */
  readonly gatewayUrl: string;
  readonly targets: readonly DemoTarget[];
  /** The SSH terminal's server, when one was given. */
  readonly ssh: SshTarget | undefined;
  /** The SQL console's server, when one was given. */
  readonly sql: SqlServer | undefined;
  /** The extra connect rules (options.allow), as parsed. */
  readonly allow: readonly string[];
  /** Stops the gateway (GOAWAY to every page), the HTTP server and the line service. */
  close(): Promise<void>;
}

/** Builds the page (demo/, the sockway plugin bound to GATEWAY_PATH) into a fresh temporary directory and returns it. */
export async function buildDemoPage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'sockway-demo-'));
  await build({
    configFile: false,
    root: DEMO_ROOT,
    logLevel: 'warn',
    // 'full' crypto for the SSH terminal's ssh2; the page loads it only when used.
    plugins: [sockway({ gateway: GATEWAY_PATH, crypto: 'full' })],
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, chunkSizeWarningLimit: 2048 },
  });
  return outDir;
}

/** The single destination a rule names (`127.0.0.1:5432`), or undefined for a pattern (`*:443`, `10.0.0.0/8:5432`, `db:*`). */
function ruleTarget(rule: Rule): DemoTarget | undefined {
  const { host, port } = rule;
  if (port.min !== port.max) return undefined;
  if (host.type === 'name') return { label: 'Allowed with --allow', host: host.name, port: port.min };
  if (host.type === 'ip' && host.prefix === (host.family === 4 ? 32 : 128)) return { label: 'Allowed with --allow', host: host.address, port: port.min };
  return undefined;
}

/** Starts the line service, builds the page and serves both it and the gateway on one port. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const host = options.host ?? '127.0.0.1';
  // Parsed before anything starts, so a typo fails fast with the rule named.
  const extraRules = (options.allow ?? []).map((text) => parseRule(text));
  // Offered in the page (console destinations, the SQL console's default server).
  const allowed = [
    ...(options.sql === undefined ? [] : [{ label: 'PostgreSQL (the SQL tab)', host: options.sql.host, port: options.sql.port }]),
    ...extraRules.map(ruleTarget).filter((target) => target !== undefined),
  ];
  const [service, pageDir] = await Promise.all([startLineService(), buildDemoPage()]);
  const targets: DemoTarget[] = [
    { label: 'Demo line service', host: service.host, port: service.port },
    { label: 'Closed port (shows ECONNREFUSED)', ...REFUSED_TARGET },
  ];
  // Field by field: these go to the page as they are.
  const ssh: SshTarget | undefined = options.ssh === undefined
    ? undefined
    : { label: 'SSH server', host: options.ssh.host, port: options.ssh.port, ...(options.ssh.login === undefined ? {} : { login: options.ssh.login }) };
  const sql: SqlServer | undefined = options.sql === undefined
    ? undefined
    : { host: options.sql.host, port: options.sql.port, user: options.sql.user, password: options.sql.password, database: options.sql.database };
  const gateway = createGateway({
    allow: [...[...targets, ...(ssh === undefined ? [] : [ssh]), ...(sql === undefined ? [] : [sql])].map((target) => `${target.host}:${target.port}`), ...extraRules],
    // The page may also be a TCP server, on loopback only (the console's Listen button).
    allowListen: ['127.0.0.1:*'],
    path: GATEWAY_PATH,
    ...(options.log !== undefined && { log: options.log }),
  });
  const pageConfig: PageConfig = { targets, allowed, ...(ssh === undefined ? {} : { ssh }), ...(sql === undefined ? {} : { sql }) };
  const targetsJson = JSON.stringify(pageConfig);
  const server = http.createServer((request, response) => {
    if (request.url === '/targets.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' }).end(targetsJson);
      return;
    }
    if (!serveStatic(pageDir, request, response)) response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  gateway.attach(server);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await Promise.all([gateway.close(), service.close()]);
    rmSync(pageDir, { recursive: true, force: true });
    throw error;
  }
  const address = server.address() as AddressInfo;
  const origin = `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url: `http://${origin}/`,
    gatewayUrl: `ws://${origin}${GATEWAY_PATH}`,
    targets,
    ssh,
    sql,
    allow: extraRules.map((rule) => rule.text),
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      rmSync(pageDir, { recursive: true, force: true });
    },
  };
}
