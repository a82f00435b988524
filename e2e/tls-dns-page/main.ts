/**
 * The tls/dns e2e page: `tls`, `dns`, `dns/promises` and `net` imported as a client
 * library would, resolved by the Vite plugin to sockway's modules; scenarios on
 * `globalThis.tlsDnsE2E` for page.evaluate() (e2e/tls-dns.e2e.ts).
 */
import netImport from 'net';
import tlsImport from 'tls';
import dnsImport from 'dns';
import dnsPromisesImport from 'dns/promises';
import { Buffer } from 'buffer';
import type { NetModule } from '../../client/net.ts';
import type { TlsModule } from '../../client/tls-module.ts';
import type { DnsModule, DnsPromises } from '../../client/dns-module.ts';

// The types in scope are @types/node's; at run time these are sockway's.
const net = netImport as unknown as NetModule;
const tls = tlsImport as unknown as TlsModule;
const dns = dnsImport as unknown as DnsModule;
const dnsPromises = dnsPromisesImport as unknown as DnsPromises;

type TlsSocket = ReturnType<TlsModule['connect']>;

function once<T = unknown>(emitter: { once(event: string, listener: (value: T) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}

function fields(error: unknown): Record<string, unknown> {
  const e = error as Error & Record<string, unknown>;
  return { name: e.name, message: e.message, code: e['code'], syscall: e['syscall'], hostname: e['hostname'], host: e['host'], isError: error instanceof Error };
}

/** Echoes `hello over TLS` and reports the session. */
async function session(socket: TlsSocket): Promise<Record<string, unknown>> {
  const events: string[] = [];
  for (const name of ['connect', 'secureConnect', 'close']) socket.on(name, () => events.push(name));
  const error = new Promise<unknown>((resolve) => socket.once('error', resolve));
  const secured = await Promise.race([once(socket, 'secureConnect').then(() => null), error]);
  if (secured !== null) {
    await once(socket, 'close');
    return { error: fields(secured), events };
  }
  socket.write('hello over TLS');
  const data = await once<Buffer>(socket, 'data');
  const cert = socket.getPeerCertificate() as { subject: Record<string, unknown>; fingerprint256: string; subjectaltname: string; raw: Buffer };
  const result = {
    echo: data.toString(),
    isBuffer: Buffer.isBuffer(data),
    encrypted: socket.encrypted,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError,
    protocol: socket.getProtocol(),
    alpnProtocol: socket.alpnProtocol,
    subject: { ...cert.subject },
    fingerprint256: cert.fingerprint256,
    subjectaltname: cert.subjectaltname,
    rawLength: cert.raw.length,
  };
  socket.end();
  await once(socket, 'close');
  return { ...result, events };
}

const scenarios = {
  /** tls.connect from the start. */
  tlsConnect: (options: Record<string, unknown>) => session(tls.connect(options)),
  /** pg's SSLRequest, 'S', then tls.connect({ socket }). */
  async tlsUpgrade(options: { port: number; ca: string }): Promise<Record<string, unknown>> {
    const plain = new net.Socket();
    const plainEvents: string[] = [];
    plain.on('close', () => plainEvents.push('close'));
    plain.connect(options.port, '127.0.0.1');
    await once(plain, 'connect');
    plain.write(Buffer.from('0000000804d2162f', 'hex'));
    const answer = await once<Buffer>(plain, 'data');
    const result = await session(tls.connect({ socket: plain, host: '127.0.0.1', ca: options.ca }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { ...result, answer: answer.toString(), plainEvents };
  },
  async dns(names: { srv: string; txt: string; a: string; missing: string; denied: string }): Promise<Record<string, unknown>> {
    const settle = async (promise: Promise<unknown>): Promise<unknown> => {
      try {
        return { value: await promise };
      } catch (error) {
        return { error: fields(error) };
      }
    };
    const lookupAll = await settle(dnsPromises.lookup('localhost', { all: true }));
    const lookupCallback = await new Promise((resolve) => dns.lookup('localhost', 4, (error, address, family) => resolve({ error: error?.message ?? null, address, family })));
    return {
      lookupAll,
      lookupCallback,
      lookupViaDnsPromises: await settle(dns.promises.lookup('localhost', 4)),
      srv: await settle(dnsPromises.resolveSrv(names.srv)),
      txt: await settle(dnsPromises.resolveTxt(names.txt)),
      a: await settle(dnsPromises.resolve4(names.a, { ttl: true })),
      mx: await settle(new Promise((resolve, reject) => dns.resolveMx(names.a, (error, value) => (error ? reject(error) : resolve(value))))),
      missing: await settle(dnsPromises.resolve4(names.missing)),
      denied: await settle(dnsPromises.resolveTxt(names.denied)),
    };
  },
};

Object.assign(globalThis, {
  tlsDnsE2E: {
    run: (name: keyof typeof scenarios, args: never) => scenarios[name](args),
    createServerError: (() => {
      try {
        tls.createServer();
        return null;
      } catch (error) {
        return fields(error);
      }
    })(),
  },
});
document.getElementById('status')!.textContent = 'ready';
