/**
 * The abuse suite's attack classes, one function each, citing the finding of issue 12
 * it reproduces ("finding N"). Each prepares its targets, names the rules the gateway
 * runs with (nothing else: default limits), and attacks from loopback addresses other
 * than the well-behaved client's 127.0.0.1 until its signal aborts, then leaves.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { wireError } from '../../shared/errors.ts';
import { type Frame, type TlsOptions, encodeFrame } from '../../shared/frame.ts';
import { MAX_CREDIT_OFFSET } from '../../shared/protocol.ts';
import type { SessionStream, StreamHandler } from '../../shared/session.ts';
import { fuzzOne, stepsFor } from '../testing/frame-fuzz.ts';
import { openFrame, startTarget } from '../testing/harness.ts';
import { RawPeer, aborted, attackerSession, helloFrame, pause } from '../testing/abuse-peer.ts';
import { encryptedKeyPem } from '../testing/abuse-pkcs8.ts';
import type { AbuseClass, AttackContext, PreparedAttack } from '../testing/abuse-run.ts';
import { GATEWAY_FD_LIMIT } from '../testing/abuse-gateway.ts';

/** The gateway's defaults these attacks are sized against (gateway/limits.ts). */
const MAX_SESSIONS = 1024;
const MAX_SESSIONS_PER_CLIENT = 32;
const MAX_STREAMS = 256;
const MAX_PENDING_OPENS = 64;
/** Largest window a HELLO can announce (u32 field; PROTOCOL.md#hello). */
const HUGE_WINDOW = 2 ** 31 - 1;

// ---- targets ----

/** A target that accepts and holds connections, sending nothing. */
const holdingTarget = (t: TestContext): ReturnType<typeof startTarget> => startTarget(t, (socket) => socket.resume());

/** A target that writes as fast as its connections take it. */
function streamingTarget(t: TestContext): ReturnType<typeof startTarget> {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  return startTarget(t, (socket) => {
    socket.resume();
    const pump = (): void => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on('drain', pump);
    pump();
  });
}

/**
 * A destination that never answers: a listener (in a separate python3 process, Node
 * always accepts) with backlog 1 that never accepts, its queue filled by two held
 * connections, so further connects hang in SYN-SENT.
 */
async function blackholeTarget(t: TestContext): Promise<number> {
  const script = 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(1)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()';
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const spawned = await Promise.race([once(child.stdout, 'data').then(([data]) => String(data)), once(child, 'error').then(([error]) => { throw new Error(`the blackhole listener needs python3: ${String(error)}`); })]);
  t.after(() => {
    child.kill();
  });
  const port = Number(spawned.trim());
  const fillers: net.Socket[] = [];
  t.after(() => {
    for (const socket of fillers) socket.destroy();
  });
  for (let i = 0; i < 4; i += 1) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
  }
  return port;
}

// ---- helpers ----

/** A stream handler that reads everything and remembers how it ended. */
class Sink implements StreamHandler {
  stream!: SessionStream;
  opened = false;
  gone: string | null = null;
  onOpened(): void {
    this.opened = true;
  }
  onData(data: Uint8Array): void {
    this.stream.consume(data.length);
  }
  onEnd(): void {
    this.gone ??= 'end';
  }
  onReset(error: { code: string }): void {
    this.gone ??= error.code;
  }
  onDrain(): void {}
}

const openOptions = (host: string, port: number) => ({ host, port, family: 0 as const, localAddress: '', localPort: 0, noDelay: true, keepAlive: false, keepAliveInitialDelay: 0 });

const tlsOptions = (overrides: Partial<TlsOptions>): TlsOptions => ({
  servername: '', hostname: 'localhost', rejectUnauthorized: true, checkIdentity: false, minVersion: '', maxVersion: '',
  alpnProtocols: [], ciphers: '', ca: '', cert: '', key: '', passphrase: '', ...overrides,
});

/** Runs `count` connection attempts, at most `parallel` at once. */
async function inParallel<T>(count: number, parallel: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, async () => {
    while (next < count) {
      const index = next++;
      results[index] = await run(index);
    }
  }));
  return results;
}

/** `sessions` raw sessions from `address`, each sent `hello`; the ones that opened. */
async function rawSessions(url: string, address: string, sessions: number, hello: Uint8Array): Promise<RawPeer[]> {
  const peers = await inParallel(sessions, 32, async () => {
    const peer = new RawPeer(url, address);
    if (!(await peer.opened)) return null;
    peer.send(hello);
    return peer;
  });
  return peers.filter((peer): peer is RawPeer => peer !== null);
}

const isWelcome = (frame: Frame): frame is Extract<Frame, { type: 'welcome' }> => frame.type === 'welcome';

// ---- the classes ----

/** Finding 1: a STARTTLS whose key is an encrypted PKCS#8 with a PBKDF2 of millions of rounds. */
export const starttlsKdf: AbuseClass = {
  title: 'finding 1: STARTTLS with an encrypted PKCS#8 key of 5 million PBKDF2 rounds, every 1.5 s',
  rssBoundMiB: 256,
  durationMs: 6_000,
  async prepare(t) {
    const target = await holdingTarget(t);
    return {
      args: ['--allow', `127.0.0.1:${target.port}`],
      async attack(ctx) {
        const attacker = attackerSession(ctx.url, '127.0.0.2');
        if (!(await attacker.ready)) return ctx.fail('the attacker got no session');
        let sent = 0;
        while (!ctx.signal.aborted) {
          const sink = new Sink();
          const stream = attacker.session.open(openOptions('127.0.0.1', target.port), sink);
          if (stream === null) break;
          sink.stream = stream;
          // A fresh salt each time: nothing can be cached. The passphrase is wrong anyway.
          stream.startTls(tlsOptions({ key: encryptedKeyPem(5_000_000), passphrase: 'wrong' }));
          sent += 1;
          await pause(1_500, ctx.signal);
        }
        ctx.note('starttls', sent);
        attacker.leave();
      },
    };
  },
};

/** Finding 2: STARTTLS options node:tls rejects (cipher list NOPE, a key that is not PEM), in a loop. */
export const starttlsRejected: AbuseClass = {
  title: 'finding 2: STARTTLS options node:tls rejects, in a loop (bridges must not leak)',
  rssBoundMiB: 256,
  durationMs: 6_000,
  async prepare(t) {
    const target = await holdingTarget(t);
    return {
      args: ['--allow', `127.0.0.1:${target.port}`],
      async attack(ctx) {
        const attacker = attackerSession(ctx.url, '127.0.0.2');
        if (!(await attacker.ready)) return ctx.fail('the attacker got no session');
        let attempts = 0;
        let answered = 0;
        const live: Sink[] = [];
        while (!ctx.signal.aborted) {
          // 50 per second: under the open rate (100/s), so only the TLS options are at fault.
          for (let i = 0; i < 5; i += 1) {
            const sink = new Sink();
            const stream = attacker.session.open(openOptions('127.0.0.1', target.port), sink);
            if (stream === null) break;
            sink.stream = stream;
            stream.startTls(tlsOptions(attempts % 2 === 0 ? { ciphers: 'NOPE' } : { key: 'not a PEM key' }));
            attempts += 1;
            live.push(sink);
          }
          await pause(100, ctx.signal);
          // A stream the gateway never answered is given up (RESET), as a page would.
          for (const sink of live.splice(0)) {
            if (sink.gone !== null) answered += 1;
            else if (sink.stream.state !== 'closed' && sink.stream.state !== 'reset') sink.stream.reset(wireError({ code: 'ECONNRESET', message: 'given up' }));
          }
        }
        ctx.note('starttls', attempts);
        ctx.note('answered', answered);
        attacker.leave();
      },
    };
  },
};
