/**
 * sockway's tls through a real gateway in Node, differential against node:tls on the
 * same servers: tls.connect from the start and as an upgrade of a plain socket after a
 * PostgreSQL-style SSLRequest, SNI, ALPN, rejectUnauthorized, certificate errors,
 * getPeerCertificate().
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as nodeNet from 'node:net';
import * as nodeTls from 'node:tls';
import { NodeWebSocket, startGateway, type GatewayFixture } from '../e2e/fixtures/start-gateway.ts';
import { type TestCertificates, testCertificates } from '../e2e/fixtures/tls-certs.ts';
import type { NetModule } from './net.ts';
import type { ConnectionOptions, TlsModule } from './tls-module.ts';
import { configure } from './config.ts';
import defaultTls from './tls.ts';
import defaultNet from './net-entry.ts';
import { tlsOver } from './tunnel-modules.ts';

interface TlsServer {
  readonly port: number;
  /** SNI the server saw per connection (false when none). */
  readonly servernames: Array<string | false>;
  close(): Promise<void>;
}

/** An echo TLS server: plain `tls` (direct) or PostgreSQL-like (SSLRequest, 'S', then TLS). */
async function startTlsServer(options: nodeTls.TlsOptions, mode: 'direct' | 'sslrequest'): Promise<TlsServer> {
  const servernames: Array<string | false> = [];
  const sockets = new Set<nodeNet.Socket>();
  const context = nodeTls.createSecureContext(options);
  const serve = (secure: nodeTls.TLSSocket): void => {
    secure.on('error', () => {});
    secure.on('secure', () => servernames.push((secure as nodeTls.TLSSocket & { servername: string | false }).servername));
    secure.pipe(secure);
  };
  const server = nodeNet.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    if (mode === 'direct') {
      serve(new nodeTls.TLSSocket(socket, { isServer: true, secureContext: context, ALPNProtocols: options.ALPNProtocols ?? [] }));
      return;
    }
    socket.once('data', (request) => {
      // SSLRequest: length 8, code 80877103.
      assert.equal(request.toString('hex'), '0000000804d2162f');
      socket.write('S', () => serve(new nodeTls.TLSSocket(socket, { isServer: true, secureContext: context })));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as nodeNet.AddressInfo).port,
    servernames,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let fixture: GatewayFixture;
let net: NetModule;
let tls: TlsModule;
let certs: TestCertificates;
let direct: TlsServer;
let alpn: TlsServer;
let pgLike: TlsServer;
let selfSigned: TlsServer;

before(async () => {
  certs = testCertificates();
  fixture = await startGateway({ allow: ['127.0.0.1:*', 'localhost:*'] });
  net = fixture.tunnel.net;
  tls = tlsOver(fixture.tunnel);
  const chain = `${certs.cert}${certs.ca}`;
  direct = await startTlsServer({ key: certs.key, cert: chain }, 'direct');
  alpn = await startTlsServer({ key: certs.key, cert: chain, ALPNProtocols: ['postgresql', 'h2'] }, 'direct');
  pgLike = await startTlsServer({ key: certs.key, cert: chain }, 'sslrequest');
  selfSigned = await startTlsServer({ key: certs.selfSignedKey, cert: certs.selfSigned }, 'direct');
});

after(async () => {
  await fixture.close();
  await Promise.all([direct.close(), alpn.close(), pgLike.close(), selfSigned.close()]);
});

type AnyTls = nodeTls.TLSSocket | ReturnType<TlsModule['connect']>;

/** Connects, echoes `ping`, and reports what the socket says about the session. */
async function echoOnce(socket: AnyTls): Promise<Record<string, unknown>> {
  const events: string[] = [];
  for (const name of ['connect', 'secureConnect', 'end', 'close']) socket.on(name, () => events.push(name));
  await once(socket, 'secureConnect');
  socket.write('ping');
  const [data] = await once(socket, 'data') as [Buffer];
  const cert = socket.getPeerCertificate() as nodeTls.PeerCertificate;
  const result = {
    echo: data.toString(),
    encrypted: socket.encrypted,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ?? null,
    protocol: socket.getProtocol(),
    alpnProtocol: socket.alpnProtocol,
    cipher: socket.getCipher()?.name,
    cert: {
      subject: { ...cert.subject },
      issuer: { ...cert.issuer },
      subjectaltname: cert.subjectaltname,
      valid_from: cert.valid_from,
      valid_to: cert.valid_to,
      serialNumber: cert.serialNumber,
      fingerprint: cert.fingerprint,
      fingerprint256: cert.fingerprint256,
      fingerprint512: cert.fingerprint512,
      raw: cert.raw.toString('base64'),
      subjectProto: Object.getPrototypeOf(cert.subject),
    },
  };
  socket.end();
  await once(socket, 'close');
  return { ...result, events };
}

test('tls.connect(port, host, options) from the start: the same session as node:tls', async () => {
  const options = { ca: certs.ca };
  const expected = await echoOnce(nodeTls.connect(direct.port, 'localhost', options));
  const actual = await echoOnce(tls.connect(direct.port, 'localhost', options));
  assert.deepEqual(actual, expected);
  assert.equal(actual['echo'], 'ping');
  assert.equal(actual['authorized'], true);
  assert.deepEqual(actual['events'], ['connect', 'secureConnect', 'end', 'close']);
  assert.deepEqual((actual['cert'] as { subject: unknown }).subject, { C: 'DE', O: 'sockway tests', OU: ['gateway', 'tls'], CN: 'localhost' });
  // Node sends no SNI unless asked; neither does the gateway.
  assert.deepEqual(direct.servernames.slice(-2), [false, false]);
});

test('tls.connect({ host, port, servername, ALPNProtocols }): SNI and ALPN reach the server', async () => {
  const options = { host: '127.0.0.1', port: alpn.port, servername: 'db.sockway.test', ca: [certs.ca], ALPNProtocols: ['postgresql'] };
  const expected = await echoOnce(nodeTls.connect(options));
  const actual = await echoOnce(tls.connect(options));
  assert.deepEqual(actual, expected);
  assert.equal(actual['alpnProtocol'], 'postgresql');
  assert.deepEqual(alpn.servernames, ['db.sockway.test', 'db.sockway.test']);
});

test('the connect callback fires on secureConnect, with an encrypted, authorized socket', async () => {
  const socket = await new Promise<ReturnType<TlsModule['connect']>>((resolve, reject) => {
    const s = tls.connect({ port: direct.port, host: 'localhost', ca: certs.ca }, () => resolve(s));
    s.on('error', reject);
  });
  assert.equal(socket.authorized, true);
  assert.equal(socket.encrypted, true);
  assert.ok(socket instanceof tls.TLSSocket);
  assert.ok(socket instanceof net.Socket);
  socket.destroy();
  await once(socket, 'close');
});

/** pg's Connection: SSLRequest on a plain socket, 'S', then tls.connect({ socket, host, ...ssl }). */
async function upgradeLikePg(netLike: { Socket: new () => nodeNet.Socket }, tlsLike: { connect(options: object): AnyTls }, ssl: object): Promise<Record<string, unknown>> {
  const plain = new netLike.Socket();
  const plainEvents: string[] = [];
  plain.on('close', () => plainEvents.push('close'));
  plain.on('error', (error: NodeJS.ErrnoException) => plainEvents.push(`error:${error.code}`));
  plain.setNoDelay(true);
  plain.connect(pgLike.port, '127.0.0.1');
  await once(plain, 'connect');
  plain.write(Buffer.from('0000000804d2162f', 'hex'));
  const [answer] = await once(plain, 'data') as [Buffer];
  assert.equal(answer.toString(), 'S');
  const secure = tlsLike.connect({ socket: plain, host: '127.0.0.1', ...ssl });
  const result = await echoOnce(secure);
  await new Promise((resolve) => setImmediate(resolve));
  return { ...result, plainEvents, plainDestroyed: plain.destroyed };
}

test('tls.connect({ socket }) upgrades a plain socket after a PostgreSQL SSLRequest, as pg does', async () => {
  const expected = await upgradeLikePg(nodeNet as unknown as { Socket: new () => nodeNet.Socket }, nodeTls, { ca: certs.ca });
  const actual = await upgradeLikePg(net as unknown as { Socket: new () => nodeNet.Socket }, tls, { ca: certs.ca });
  // Node's TLS socket over a wrapped socket emits no 'connect' of its own.
  assert.deepEqual(actual, expected);
  assert.equal(actual['authorized'], true);
  assert.deepEqual(actual['plainEvents'], ['close']);
  // And with a host name: servername set, as pg does for names.
  const named = await upgradeLikePg(net as unknown as { Socket: new () => nodeNet.Socket }, tls, { ca: certs.ca, host: 'localhost', servername: 'localhost' });
  assert.equal(named['authorized'], true);
  assert.equal(pgLike.servernames.at(-1), 'localhost');
});

test('the default sockway/tls module upgrades sockets of sockway/net (configure())', async () => {
  configure({ url: fixture.url, WebSocket: NodeWebSocket });
  const result = await upgradeLikePg(defaultNet as unknown as { Socket: new () => nodeNet.Socket }, defaultTls, { ca: certs.ca });
  assert.equal(result['echo'], 'ping');
  assert.equal(result['authorized'], true);
});

/** Connects expecting failure: the error's observable fields and the events. */
async function failure(socket: AnyTls): Promise<Record<string, unknown>> {
  const events: string[] = [];
  for (const name of ['secureConnect', 'close']) socket.on(name, () => events.push(name));
  const [error] = await once(socket, 'error') as [NodeJS.ErrnoException & { reason?: string; host?: string }];
  events.push('error');
  await once(socket, 'close');
  return { code: error.code, message: error.message, reason: error.reason, host: error.host, syscall: error.syscall, events: events.sort() };
}

test('certificate errors are Node\'s: wrong CA, self-signed leaf, host not in the altnames', async () => {
  const cases: Array<[string, nodeTls.ConnectionOptions & ConnectionOptions]> = [
    ['wrong CA (SELF_SIGNED_CERT_IN_CHAIN)', { port: direct.port, host: 'localhost', ca: certs.otherCa }],
    ['no CA: the gateway\'s default trust store', { port: direct.port, host: 'localhost' }],
    ['self-signed leaf', { port: selfSigned.port, host: 'localhost' }],
    ['host not in the altnames', { port: direct.port, host: 'localhost', servername: 'elsewhere.test', ca: certs.ca }],
  ];
  for (const [label, options] of cases) {
    const expected = await failure(nodeTls.connect(options));
    const actual = await failure(tls.connect(options));
    assert.deepEqual(actual, expected, label);
    assert.ok(typeof actual['code'] === 'string' && actual['code'] !== '', label);
  }
  const altname = await failure(tls.connect({ port: direct.port, host: 'localhost', servername: 'elsewhere.test', ca: certs.ca }));
  assert.equal(altname['code'], 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.equal(altname['host'], 'elsewhere.test');
  const selfSignedError = await failure(tls.connect({ port: selfSigned.port, host: 'localhost' }));
  assert.equal(selfSignedError['code'], 'DEPTH_ZERO_SELF_SIGNED_CERT');
});

test('a failed upgrade emits error then close on the TLS socket and closes the plain socket', async () => {
  const run = async (netLike: { Socket: new () => nodeNet.Socket }, tlsLike: { connect(options: object): AnyTls }): Promise<unknown> => {
    const plain = new netLike.Socket();
    const plainEvents: string[] = [];
    plain.on('close', () => plainEvents.push('close'));
    plain.on('error', () => plainEvents.push('error'));
    plain.connect(pgLike.port, '127.0.0.1');
    await once(plain, 'connect');
    plain.write(Buffer.from('0000000804d2162f', 'hex'));
    await once(plain, 'data');
    const result = await failure(tlsLike.connect({ socket: plain, host: '127.0.0.1', ca: certs.otherCa }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { ...result, plainEvents };
  };
  const expected = await run(nodeNet as unknown as { Socket: new () => nodeNet.Socket }, nodeTls);
  const actual = await run(net as unknown as { Socket: new () => nodeNet.Socket }, tls);
  assert.deepEqual(actual, expected);
});

test('rejectUnauthorized: false connects with authorized false and Node\'s authorizationError', async () => {
  for (const options of [
    { port: selfSigned.port, host: 'localhost', rejectUnauthorized: false },
    { port: direct.port, host: 'localhost', servername: 'elsewhere.test', ca: certs.ca, rejectUnauthorized: false },
  ]) {
    const expected = await echoOnce(nodeTls.connect(options));
    const actual = await echoOnce(tls.connect(options));
    assert.deepEqual(actual, expected);
    assert.equal(actual['authorized'], false);
    assert.ok(typeof actual['authorizationError'] === 'string');
  }
});

test('a custom checkServerIdentity runs in the page with the peer certificate', async () => {
  const seen: Array<[string, string | undefined]> = [];
  const refuse = new Error('not this one') as Error & { code: string };
  refuse.code = 'ERR_MY_CHECK';
  const socket = tls.connect({
    port: direct.port,
    host: 'localhost',
    ca: certs.ca,
    checkServerIdentity: (host, cert) => {
      seen.push([host, cert.subjectaltname]);
      return refuse;
    },
  });
  const [error] = await once(socket, 'error') as [Error & { code: string }];
  assert.equal(error, refuse);
  assert.deepEqual(seen, [['localhost', 'DNS:localhost, DNS:db.sockway.test, IP Address:127.0.0.1']]);
  // Passing the check connects.
  const ok = tls.connect({ port: direct.port, host: 'localhost', ca: certs.ca, checkServerIdentity: () => undefined });
  await once(ok, 'secureConnect');
  assert.equal(ok.authorized, true);
  ok.destroy();
});

test('checkServerIdentity, createSecureContext, createServer and constants', async () => {
  const cert = { subject: { CN: 'x' }, issuer: {}, subjectaltname: 'DNS:*.sockway.test, IP Address:127.0.0.1' } as unknown as Parameters<TlsModule['checkServerIdentity']>[1];
  assert.equal(tls.checkServerIdentity('db.sockway.test', cert), nodeTls.checkServerIdentity('db.sockway.test', cert as unknown as nodeTls.PeerCertificate));
  for (const host of ['a.b.sockway.test', 'other.test', '127.0.0.2']) {
    const ours = tls.checkServerIdentity(host, cert) as Error & { code: string; reason: string };
    const node = nodeTls.checkServerIdentity(host, cert as unknown as nodeTls.PeerCertificate) as Error & { code: string; reason: string };
    assert.deepEqual([ours.code, ours.message, ours.reason], [node.code, node.message, node.reason], host);
  }
  // A secure context's options are used by connect().
  const secureContext = tls.createSecureContext({ ca: certs.ca });
  const socket = tls.connect({ port: direct.port, host: 'localhost', secureContext });
  await once(socket, 'secureConnect');
  assert.equal(socket.authorized, true);
  socket.destroy();
  assert.throws(() => tls.createServer(), { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' });
  // A CA bundle too big for one STARTTLS frame is refused by connect(), not by the session.
  assert.throws(() => tls.connect({ port: direct.port, host: 'localhost', ca: certs.ca.repeat(200) }), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
  assert.equal(fixture.tunnel.stats().connected, true);
  assert.equal(tls.DEFAULT_MIN_VERSION, nodeTls.DEFAULT_MIN_VERSION);
  assert.equal(tls.DEFAULT_MAX_VERSION, nodeTls.DEFAULT_MAX_VERSION);
});

test('minVersion/maxVersion are honoured at the gateway', async () => {
  const options = { port: direct.port, host: 'localhost', ca: certs.ca, maxVersion: 'TLSv1.2' as const };
  const expected = await echoOnce(nodeTls.connect(options));
  const actual = await echoOnce(tls.connect(options));
  assert.equal(actual['protocol'], 'TLSv1.2');
  assert.deepEqual(actual, expected);
});

test('a TLS connect is subject to the gateway policy like a plain one', async () => {
  const socket = tls.connect({ port: direct.port, host: '127.0.0.2', ca: certs.ca });
  const [error] = await once(socket, 'error') as [NodeJS.ErrnoException];
  assert.equal(error.code, 'SOCKWAY_ERR_DENIED');
});

test('8 MiB each way through an upgraded socket: flow control holds across the TLS relay', async () => {
  const plain = new net.Socket();
  plain.connect(pgLike.port, '127.0.0.1');
  await once(plain, 'connect');
  plain.write(Buffer.from('0000000804d2162f', 'hex'));
  await once(plain, 'data');
  const secure = tls.connect({ socket: plain, host: '127.0.0.1', ca: certs.ca });
  await once(secure, 'secureConnect');
  const payload = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
  const chunks: Buffer[] = [];
  let received = 0;
  const done = new Promise<void>((resolve) => {
    secure.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= payload.length) resolve();
    });
  });
  secure.end(payload);
  await done;
  assert.equal(Buffer.compare(Buffer.concat(chunks), payload), 0);
  secure.destroy();
  await once(secure, 'close');
});

test('a client certificate (cert, key) is presented by the gateway, as node:tls presents it', async () => {
  const seen: Array<{ authorized: boolean; cn: unknown }> = [];
  const server = nodeTls.createServer({ key: certs.key, cert: `${certs.cert}${certs.ca}`, requestCert: true, rejectUnauthorized: false, ca: certs.ca }, (socket) => {
    seen.push({ authorized: socket.authorized, cn: socket.getPeerCertificate().subject?.CN });
    socket.end('bye');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as nodeNet.AddressInfo).port;
  try {
    for (const connect of [nodeTls.connect, tls.connect] as Array<(options: object) => AnyTls>) {
      const socket = connect({ port, host: 'localhost', ca: certs.ca, cert: certs.cert, key: Buffer.from(certs.key) });
      const [data] = await once(socket, 'data') as [Buffer];
      assert.equal(data.toString(), 'bye');
      await once(socket, 'close');
    }
    assert.deepEqual(seen, [{ authorized: true, cn: 'localhost' }, { authorized: true, cn: 'localhost' }]);
  } finally {
    server.close();
  }
});

test('resetAndDestroy() on a TLS socket closes the connection at the gateway without an internal error', async () => {
  const logs: Array<{ event: string }> = [];
  const own = await startGateway({ allow: ['127.0.0.1:*', 'localhost:*'], log: (entry) => logs.push(entry) });
  try {
    const ownTls = tlsOver(own.tunnel);
    const serverClosed = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (own.gateway.stats().tcpSockets === 0 && logs.some((entry) => entry.event === 'stream-closed')) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const secure = ownTls.connect(direct.port, 'localhost', { ca: certs.ca });
    await once(secure, 'secureConnect');
    secure.write('ping');
    await once(secure, 'data');
    secure.resetAndDestroy();
    await once(secure, 'close');
    await serverClosed;
    assert.deepEqual(logs.filter((entry) => entry.event === 'internal-error'), []);
  } finally {
    await own.close();
  }
});
