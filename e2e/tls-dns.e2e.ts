/**
 * sockway/tls and sockway/dns in Chromium: a page built with the Vite plugin imports
 * `tls`, `dns`, `dns/promises` and `net` as a client library would, and talks to a
 * node:tls server (from the start, and upgraded after a PostgreSQL SSLRequest) and a
 * DNS responder through a real gateway. Results are compared with node:tls/node:dns.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import nodeNet from 'node:net';
import * as nodeTls from 'node:tls';
import * as nodeDns from 'node:dns';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { sockway } from '../vite/index.ts';
import { launchChromium } from './fixtures/chromium.ts';
import { type DnsServer, startDnsServer } from '../gateway/testing/dns-server.ts';
import { type PageServer, removeBuild, startPageServer } from './fixtures/e2e-page.ts';
import { type TestCertificates, testCertificates } from './fixtures/tls-certs.ts';

const PAGE_ROOT = fileURLToPath(new URL('./tls-dns-page/', import.meta.url));

let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageDir: string;
let server: PageServer;
let certs: TestCertificates;
let dnsServer: DnsServer;
let tlsServer: nodeNet.Server;
let pgLike: nodeNet.Server;
const servernames: Array<string | false> = [];

function listen(server: nodeNet.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => (server.address() as nodeNet.AddressInfo).port);
}

before(async () => {
  certs = testCertificates();
  const context0 = nodeTls.createSecureContext({ key: certs.key, cert: `${certs.cert}${certs.ca}` });
  const echo = (secure: nodeTls.TLSSocket): void => {
    secure.on('error', () => {});
    secure.on('secure', () => servernames.push((secure as nodeTls.TLSSocket & { servername: string | false }).servername));
    secure.pipe(secure);
  };
  tlsServer = nodeNet.createServer((socket) => {
    socket.on('error', () => {});
    echo(new nodeTls.TLSSocket(socket, { isServer: true, secureContext: context0, ALPNProtocols: ['postgresql'] }));
  });
  pgLike = nodeNet.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.write('S', () => echo(new nodeTls.TLSSocket(socket, { isServer: true, secureContext: context0 }))));
  });
  const outDir = mkdtempSync(join(tmpdir(), 'sockway-tls-dns-page-'));
  [pageDir, dnsServer, browser] = await Promise.all([
    build({
      configFile: false,
      root: PAGE_ROOT,
      logLevel: 'warn',
      plugins: [sockway({ gateway: '/sockway' })],
      build: { outDir, emptyOutDir: true, minify: false, reportCompressedSize: false },
    }).then(() => outDir),
    startDnsServer({
      '_postgresql._tcp.sockway.test': { SRV: [{ priority: 10, weight: 5, port: 5432, name: 'db.sockway.test' }] },
      'db.sockway.test': { A: ['192.0.2.10'], MX: [{ priority: 10, exchange: 'mx.sockway.test' }], TXT: [['v=spf1 -all']] },
      'secret.sockway.test': { TXT: [['hidden']] },
    }),
    launchChromium(),
  ]);
  const [tlsPort, pgPort] = await Promise.all([listen(tlsServer), listen(pgLike)]);
  server = await startPageServer(pageDir, {
    // SRV/TXT/MX are answered only for hosts named exactly (SECURITY.md, DNS).
    allow: [`127.0.0.1:${tlsPort}`, `127.0.0.1:${pgPort}`, `localhost:${tlsPort}`, '*.sockway.test:*', 'db.sockway.test:*', '_postgresql._tcp.sockway.test:*', '192.0.2.0/24:*'],
    deny: ['secret.sockway.test:*'],
    dnsServers: [dnsServer.address],
  });
  context = await browser.newContext();
  page = await context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  Object.assign(ports, { tls: tlsPort, pg: pgPort });
});

after(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  await dnsServer?.close();
  tlsServer?.close();
  pgLike?.close();
  if (pageDir) removeBuild(pageDir);
});

const ports = { tls: 0, pg: 0 };

const run = <T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T> =>
  page.evaluate(
    ([n, a]) => (globalThis as unknown as { tlsDnsE2E: { run(n: string, a: unknown): Promise<unknown> } }).tlsDnsE2E.run(n, a),
    [name, args] as const,
  ) as Promise<T>;

test('tls.connect from the start in Chromium: SNI, ALPN, the certificate node:tls sees', async () => {
  const options = { host: 'localhost', port: ports.tls, servername: 'db.sockway.test', ca: certs.ca, ALPNProtocols: ['postgresql'] };
  const result = await run('tlsConnect', options);
  const node = nodeTls.connect(options);
  await once(node, 'secureConnect');
  const cert = node.getPeerCertificate();
  assert.equal(result['echo'], 'hello over TLS');
  assert.equal(result['isBuffer'], true);
  assert.equal(result['encrypted'], true);
  assert.equal(result['authorized'], true);
  assert.equal(result['authorizationError'], null);
  assert.equal(result['protocol'], node.getProtocol());
  assert.equal(result['alpnProtocol'], 'postgresql');
  assert.deepEqual(result['subject'], { ...cert.subject });
  assert.equal(result['fingerprint256'], cert.fingerprint256);
  assert.equal(result['subjectaltname'], cert.subjectaltname);
  assert.equal(result['rawLength'], cert.raw.length);
  assert.deepEqual(result['events'], ['connect', 'secureConnect', 'close']);
  assert.equal(servernames[0], 'db.sockway.test');
  node.destroy();
});

test('tls.connect({ socket }) after a PostgreSQL SSLRequest in Chromium', async () => {
  const result = await run('tlsUpgrade', { port: ports.pg, ca: certs.ca });
  assert.equal(result['answer'], 'S');
  assert.equal(result['echo'], 'hello over TLS');
  assert.equal(result['authorized'], true);
  assert.deepEqual(result['events'], ['secureConnect', 'close']);
  assert.deepEqual(result['plainEvents'], ['close']);
});

test('certificate errors in Chromium are node:tls\'s', async () => {
  const options = { host: 'localhost', port: ports.tls, ca: certs.otherCa };
  const result = await run('tlsConnect', options);
  const node = nodeTls.connect(options);
  const [error] = await once(node, 'error') as [Error & { code: string }];
  assert.deepEqual(result['error'], { name: 'Error', message: error.message, code: error.code, syscall: undefined, hostname: undefined, host: undefined, isError: true });
  assert.equal(error.code, 'SELF_SIGNED_CERT_IN_CHAIN');
  const createServer = await page.evaluate(() => (globalThis as unknown as { tlsDnsE2E: { createServerError: unknown } }).tlsDnsE2E.createServerError);
  assert.equal((createServer as { code: string }).code, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM');
});

test('dns in Chromium: lookup, resolveSrv/Txt/Mx/4 answered by the gateway, errors as node:dns', async () => {
  const names = { srv: '_postgresql._tcp.sockway.test', txt: 'db.sockway.test', a: 'db.sockway.test', missing: 'nothing.sockway.test', denied: 'secret.sockway.test' };
  const result = await run('dns', names);
  const resolver = new nodeDns.promises.Resolver();
  resolver.setServers([dnsServer.address]);
  assert.deepEqual(result['lookupAll'], { value: await nodeDns.promises.lookup('localhost', { all: true }) });
  assert.deepEqual(result['lookupCallback'], { error: null, address: '127.0.0.1', family: 4 });
  assert.deepEqual(result['lookupViaDnsPromises'], { value: { address: '127.0.0.1', family: 4 } });
  assert.deepEqual(result['srv'], { value: await resolver.resolveSrv(names.srv) });
  assert.deepEqual(result['txt'], { value: await resolver.resolveTxt(names.txt) });
  assert.deepEqual(result['a'], { value: await resolver.resolve4(names.a, { ttl: true }) });
  assert.deepEqual(result['mx'], { value: await resolver.resolveMx(names.a) });
  const missing = await resolver.resolve4(names.missing).catch((error: Error) => error) as Error & { code: string; syscall: string; hostname: string };
  assert.deepEqual(result['missing'], { error: { name: 'Error', message: missing.message, code: missing.code, syscall: missing.syscall, hostname: missing.hostname, host: undefined, isError: true } });
  assert.deepEqual(result['denied'], {
    error: { name: 'Error', message: 'queryTxt SOCKWAY_ERR_DENIED secret.sockway.test (not allowed by the gateway policy)', code: 'SOCKWAY_ERR_DENIED', syscall: 'queryTxt', hostname: 'secret.sockway.test', host: undefined, isError: true },
  });
});
