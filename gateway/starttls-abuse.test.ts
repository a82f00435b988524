/**
 * STARTTLS from a hostile page (issue 12, findings 1 and 2): key material that makes
 * OpenSSL compute for seconds on the gateway's only thread (encrypted keys naming huge KDF
 * parameters, oversized RSA keys), and options node:tls refuses, which used to leak the
 * stream's bridge. Each is refused with a RESET on its own stream; other sessions stay served.
 * @see PROTOCOL.md#starttls @see SECURITY.md (threat model, STARTTLS)
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { test, type TestContext } from 'node:test';
import * as tls from 'node:tls';
import type { WireError } from '../shared/errors.ts';
import type { SecuredFrame, TlsOptions } from '../shared/frame.ts';
import { Recorder, type Target, client, deferred, open, startGateway, startTarget, until } from './testing/harness.ts';
import { fakeRsaKey, pbkdf2Key, pkcs12Key, scryptKey, selfSigned } from './testing/tls-keys.ts';
import type { TestClient } from './testing/ws-client-transport.ts';

const NO_TLS_OPTIONS: TlsOptions = {
  servername: '', hostname: 'localhost', rejectUnauthorized: false, checkIdentity: false, minVersion: '', maxVersion: '',
  alpnProtocols: [], ciphers: '', ca: '', cert: '', key: '', passphrase: '',
};

/** A Recorder that also records SECURED. */
class TlsRecorder extends Recorder {
  readonly secured = deferred<SecuredFrame>();

  onSecured(frame: SecuredFrame): void {
    this.events.push('secured');
    this.secured.resolve(frame);
  }
}

/** A gateway allowing 127.0.0.1, an echo target, and a connected client session. */
async function setup(t: TestContext, target?: Target) {
  const echo = target ?? await startTarget(t);
  const started = await startGateway(t, { allow: ['127.0.0.1:*'] });
  const attacker = await client(t, started.url);
  return { ...started, target: echo, attacker };
}

/** Opens a stream to `port`, waits for OPENED, then sends STARTTLS with `options`. */
async function startTls(c: TestClient, port: number, options: Partial<TlsOptions>): Promise<TlsRecorder> {
  const r = open(c, '127.0.0.1', port, new TlsRecorder()) as TlsRecorder;
  await r.opened.promise;
  assert.equal(r.stream.startTls({ ...NO_TLS_OPTIONS, ...options }), true);
  return r;
}

/** An open echo stream of `c`; each call of the result is one round trip, in ms. */
async function echoStream(c: TestClient, port: number): Promise<() => Promise<number>> {
  const r = open(c, '127.0.0.1', port);
  await r.opened.promise;
  let expected = 0;
  return async () => {
    const started = performance.now();
    r.stream.write(Buffer.from('ping'));
    expected += 4;
    await r.bytes(expected);
    return performance.now() - started;
  };
}

/** The RESET a STARTTLS got, and how long after it was sent. */
async function refusal(r: TlsRecorder): Promise<{ error: WireError; ms: number }> {
  const started = performance.now();
  const outcome = await Promise.race([r.reset.promise, r.secured.promise.then(() => null)]);
  assert.ok(outcome !== null, 'the STARTTLS was refused, not secured');
  return { error: outcome, ms: performance.now() - started };
}

test('STARTTLS with a key naming 20 million PBKDF2 iterations is refused at once; another session keeps echoing under 100 ms', async (t) => {
  const { url, target, attacker, logs } = await setup(t);
  const echo = await echoStream(await client(t, url), target.port);
  await echo(); // warm up the victim's path
  const r = await startTls(attacker, target.port, { key: pbkdf2Key(20_000_000), passphrase: 'wrong' });
  // The victim's DATA goes out right behind the STARTTLS; before the fix it waited ~8 s.
  const [echoMs, { error, ms }] = await Promise.all([echo(), refusal(r)]);
  t.diagnostic(`refused in ${ms.toFixed(1)} ms; the other session's echo: ${echoMs.toFixed(1)} ms`);
  assert.equal(error.code, 'SOCKWAY_ERR_LIMIT');
  assert.match(error.message, /PBKDF2-HMAC-SHA256 with 20000000 iterations/);
  assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
  assert.ok(echoMs < 100, `the other session's echo took ${echoMs.toFixed(0)} ms`);
  assert.ok(logs.some((e) => e.level === 'warn' && e.event === 'starttls-refused' && e['code'] === 'SOCKWAY_ERR_LIMIT'));
  assert.ok(await (await echoStream(attacker, target.port))() < 100, 'the attacker\'s own session is not closed either');
});

test('STARTTLS with costly scrypt, PKCS#12 PBE or SHA-512 parameters, or an unknown KDF, is refused before OpenSSL derives anything', async (t) => {
  const { target, attacker } = await setup(t);
  const cases: Array<[string, string, string]> = [
    ['scrypt N=2^20 r=8 p=1', scryptKey(1 << 20, 8, 1), 'SOCKWAY_ERR_LIMIT'],
    ['scrypt N=1024 r=1 p=2^20', scryptKey(1024, 1, 1 << 20), 'SOCKWAY_ERR_LIMIT'],
    ['PKCS#12 PBE 2^31-1 iterations', pkcs12Key(0x7fff_ffff), 'SOCKWAY_ERR_LIMIT'],
    ['PBKDF2-HMAC-SHA512 10^7 iterations', pbkdf2Key(10_000_000, '1.2.840.113549.2.11'), 'SOCKWAY_ERR_LIMIT'],
    ['PBKDF2 with an unknown PRF', pbkdf2Key(10_000_000, '1.2.840.113549.2.13'), 'SOCKWAY_ERR_UNSUPPORTED'],
    ['not DER', '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAAo=\n-----END ENCRYPTED PRIVATE KEY-----\n', 'SOCKWAY_ERR_UNSUPPORTED'],
  ];
  for (const [name, key, code] of cases) {
    const { error, ms } = await refusal(await startTls(attacker, target.port, { key, passphrase: 'x' }));
    assert.equal(error.code, code, name);
    assert.ok(ms < 1000, `${name}: refused in ${ms.toFixed(0)} ms`);
  }
});

test('STARTTLS with a made-up 16384-bit RSA key is refused (signing with it would take about a second)', async (t) => {
  const { gateway, target, attacker } = await setup(t);
  const { error } = await refusal(await startTls(attacker, target.port, { key: fakeRsaKey(16_384) }));
  assert.equal(error.code, 'SOCKWAY_ERR_LIMIT');
  assert.match(error.message, /16384-bit RSA key/);
  const long = await refusal(await startTls(attacker, target.port, { key: fakeRsaKey(2048, 60_000) }));
  assert.equal(long.error.code, 'SOCKWAY_ERR_LIMIT', 'a 2048-bit key with a 60000-bit private exponent');
  await until(() => gateway.stats().tcpSockets === 0, 'the bridges to be released');
});

for (const [name, options, code] of [
  ['cipher list NOPE', { ciphers: 'NOPE' }, 'ERR_SSL_NO_CIPHER_MATCH'],
  ['a key that is not PEM', { key: 'not a key' }, 'ERR_OSSL_UNSUPPORTED'],
  ['a certificate that is not PEM', { cert: 'not a certificate' }, 'ERR_OSSL_PEM_NO_START_LINE'],
] as const) {
  test(`STARTTLS with ${name}: RESET ${code}, logged at warn, the bridge released, gateway.close() resolves`, async (t) => {
    const { gateway, target, attacker, logs } = await setup(t);
    const { error } = await refusal(await startTls(attacker, target.port, options));
    assert.equal(error.code, code);
    assert.equal(error.syscall, '', 'node:tls throws these without a syscall');
    assert.notEqual(error.message, '');
    await until(() => gateway.stats().tcpSockets === 0, 'the bridge to be released');
    const refused = logs.filter((e) => e.event === 'starttls-refused');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.level, 'warn');
    assert.equal(refused[0]?.['code'], code);
    assert.ok(!('stack' in (refused[0] ?? {})) && !String(refused[0]?.['error'] ?? '').includes('\n    at '), 'no stack trace');
    assert.deepEqual(logs.filter((e) => e.level === 'error'), []);
    await gateway.close();
  });
}

test('200 refused STARTTLS in a row leave no bridge behind', async (t) => {
  const { gateway, target, attacker, logs } = await setup(t);
  const refusals: Promise<{ error: WireError; ms: number }>[] = [];
  for (let i = 0; i < 200; i++) {
    refusals.push(startTls(attacker, target.port, i % 2 === 0 ? { ciphers: 'NOPE' } : { key: 'not a key' }).then(refusal));
    if (i % 50 === 49) await Promise.all(refusals); // stay within the open burst
  }
  const codes = new Set((await Promise.all(refusals)).map(({ error }) => error.code));
  // Some may be refused by the STARTTLS CPU budget instead (a 60 ms burst): no other outcome.
  codes.delete('SOCKWAY_ERR_RATE_LIMIT');
  assert.deepEqual([...codes].sort(), ['ERR_OSSL_UNSUPPORTED', 'ERR_SSL_NO_CIPHER_MATCH']);
  await until(() => gateway.stats().tcpSockets === 0, 'every bridge to be released');
  assert.equal(gateway.stats().streams.length, 0);
  assert.deepEqual(logs.filter((e) => e.level === 'error'), []);
});

test('a well-behaved STARTTLS with an encrypted client key (2048 iterations) is secured and presents the certificate', async (t) => {
  const server = selfSigned('localhost');
  const client0 = selfSigned('page client');
  const presented = deferred<string>();
  const tlsServer = net.createServer((socket) => {
    socket.on('error', () => {});
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: tls.createSecureContext({ cert: server.cert, key: server.key.export({ type: 'pkcs8', format: 'pem' }) }),
      requestCert: true,
      rejectUnauthorized: false,
    });
    secure.on('error', () => {});
    secure.on('secure', () => presented.resolve(String(secure.getPeerCertificate().subject?.CN)));
    secure.pipe(secure);
  });
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  t.after(() => tlsServer.close());
  const port = (tlsServer.address() as net.AddressInfo).port;
  const { attacker: c } = await setup(t);
  const key = client0.key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
  assert.match(key, /ENCRYPTED PRIVATE KEY/);
  const r = await startTls(c, port, { cert: client0.cert, key, passphrase: 'secret' });
  const outcome = await Promise.race([r.secured.promise, r.reset.promise.then((error) => assert.fail(`RESET ${error.code} ${error.message}`))]);
  assert.equal(outcome.protocol, 'TLSv1.3');
  assert.equal(await presented.promise, 'page client');
  r.stream.write(Buffer.from('over tls'));
  assert.equal((await r.bytes(8)).toString(), 'over tls');
});

test('a volley of STARTTLS each at the KDF cap (~20 ms of CPU apiece) is cut off by the CPU budget; another session keeps echoing under 100 ms', async (t) => {
  const { url, target, attacker, logs } = await setup(t);
  const echo = await echoStream(await client(t, url), target.port);
  await echo();
  const key = pbkdf2Key(50_000);
  const streams = await Promise.all(Array.from({ length: 40 }, async () => {
    const r = open(attacker, '127.0.0.1', target.port, new TlsRecorder()) as TlsRecorder;
    await r.opened.promise;
    return r;
  }));
  // All 40 leave in one burst, the victim's echo right behind them.
  for (const r of streams) r.stream.startTls({ ...NO_TLS_OPTIONS, key, passphrase: 'wrong' });
  const [echoMs, errors] = await Promise.all([echo(), Promise.all(streams.map((r) => r.reset.promise))]);
  const limited = errors.filter((error) => error.code === 'SOCKWAY_ERR_RATE_LIMIT').length;
  t.diagnostic(`${40 - limited} secure contexts built, ${limited} refused by the CPU budget; the other session's echo: ${echoMs.toFixed(1)} ms`);
  assert.ok(limited >= 30, `only ${limited} of 40 were refused`);
  assert.ok(echoMs < 100, `the other session's echo took ${echoMs.toFixed(0)} ms`);
  assert.ok(logs.some((e) => e.event === 'rate-limit' && e['what'] === 'starttls'));
  assert.ok(await (await echoStream(attacker, target.port))() < 100, 'the attacker\'s session still serves its other streams');
});
