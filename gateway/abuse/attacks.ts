/**
 * The abuse suite's attack classes, one function each, citing the finding of issue 12
 * it reproduces ("finding N"). Each prepares its targets, names the rules the gateway
 * runs with (nothing else: default limits), and attacks from loopback addresses other
 * than the well-behaved client's 127.0.0.1 until its signal aborts, then leaves.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { wireError } from '../../shared/errors.ts';
import { type TlsOptions, encodeFrame } from '../../shared/frame.ts';
import { MAX_CREDIT_OFFSET } from '../../shared/protocol.ts';
import type { SessionStream, StreamHandler } from '../../shared/session.ts';
import { fuzzOne, stepsFor } from '../testing/frame-fuzz.ts';
import { openFrame, startBlackhole, startTarget } from '../testing/harness.ts';
import { RawPeer, aborted, attackerSession, helloFrame, pause } from '../testing/abuse-peer.ts';
import { encryptedKeyPem } from '../testing/abuse-pkcs8.ts';
import type { AbuseClass } from '../testing/abuse-run.ts';
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
/** The attacker leaves: every session closed (GOAWAY and close), and waited for. */
async function leaveAll(peers: readonly RawPeer[]): Promise<void> {
  for (const peer of peers) peer.leave();
  await Promise.all(peers.map((peer) => peer.closed));
}

/** A destination that sends 64 KiB every `everyMs` to each connection, until it is closed. */
function pacedTarget(t: TestContext, everyMs: number): ReturnType<typeof startTarget> {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  return startTarget(t, (socket) => {
    socket.resume();
    const timer = setInterval(() => {
      if (socket.destroyed) clearInterval(timer);
      else socket.write(chunk);
    }, everyMs);
    socket.once('close', () => clearInterval(timer));
  });
}

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

/** Finding 3: slowloris, thousands of upgrade requests from one address whose headers never end. */
export const slowloris: AbuseClass = {
  title: 'finding 3: slowloris, thousands of half-sent upgrade requests from one address',
  rssBoundMiB: 256,
  // Loopback connects run at about 1,500/s here: time to pass the descriptor limit.
  durationMs: 10_000,
  async prepare() {
    return {
      args: [],
      async attack(ctx) {
        const { hostname, port } = new URL(ctx.url);
        const sockets: net.Socket[] = [];
        let refused = 0;
        // Past the gateway's descriptor limit, were they all kept.
        const wanted = GATEWAY_FD_LIMIT + 1_000;
        while (!ctx.signal.aborted && sockets.length < wanted) {
          for (let i = 0; i < 500 && sockets.length < wanted; i += 1) {
            const socket = net.connect({ host: hostname, port: Number(port), localAddress: '127.0.0.2' });
            socket.on('error', () => {});
            socket.on('close', () => {
              refused += 1;
            });
            socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n`);
            sockets.push(socket);
          }
          await pause(50, ctx.signal);
        }
        await aborted(ctx.signal);
        ctx.note('requests', sockets.length);
        ctx.note('closedByGateway', refused);
        for (const socket of sockets) socket.destroy();
      },
    };
  },
};

/** A UDP "DNS server" that drops every query, on port 53 of a loopback address (as resolv.conf needs). */
async function droppingDnsServer(t: TestContext, address: string): Promise<void> {
  const server = createSocket('udp4');
  server.on('message', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`the dropping DNS server cannot bind ${address}:53 (root needed): ${error.message}`)));
    server.bind(53, address, () => resolve());
  });
  t.after(() => server.close());
}

/** Finding 4: OPENs and QUERYs to names whose DNS server never answers. */
export const dnsStarvation: AbuseClass = {
  title: 'finding 4: DNS starvation, OPENs and QUERYs to names whose DNS server never answers',
  rssBoundMiB: 256,
  durationMs: 8_000,
  async prepare(t) {
    const dns = '127.0.53.1';
    await droppingDnsServer(t, dns);
    // getaddrinfo (OPEN, lookup QUERY) reads /etc/resolv.conf: the gateway gets its own,
    // bind-mounted in a mount namespace; resolve*() QUERYs use --dns-server.
    const resolvConf = join(mkdtempSync(join(tmpdir(), 'sockway-abuse-')), 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${dns}\n`);
    return {
      args: ['--allow', '*.abuse.test:80', '--dns-server', `${dns}:53`],
      mountNamespace: true,
      setup: `mount --bind '${resolvConf}' /etc/resolv.conf || { echo 'the DNS class needs root and unshare --mount' >&2; exit 1; }`,
      async attack(ctx) {
        const attackers = [attackerSession(ctx.url, '127.0.0.2'), attackerSession(ctx.url, '127.0.0.3')];
        let sent = 0;
        for (const [n, attacker] of attackers.entries()) {
          if (!(await attacker.ready)) return ctx.fail('the attacker got no session');
          for (let i = 0; i < MAX_PENDING_OPENS; i += 1) {
            const name = `n${n}-${i}.abuse.test`;
            const sinks = [new Sink(), new Sink(), new Sink()];
            const streams = [
              attacker.session.open(openOptions(name, 80), sinks[0] as Sink),
              attacker.session.query({ rrtype: 'lookup', name: `q${name}`, family: 0, hints: 0 }, sinks[1] as Sink),
              attacker.session.query({ rrtype: 'A', name: `r${name}`, family: 0, hints: 0 }, sinks[2] as Sink),
            ];
            sent += streams.filter((stream) => stream !== null).length;
          }
        }
        ctx.note('requests', sent);
        await aborted(ctx.signal);
        for (const attacker of attackers) attacker.leave();
      },
    };
  },
};

/**
 * Finding 5: RESUME bypasses the per-client limit. Address A opens its 32 sessions and
 * drops them, address B resumes them and drops them too, round after round. Afterwards
 * the attacker counts the sessions it can still resume: at most the two addresses' limits.
 */
export const resumeBypass: AbuseClass = {
  title: 'finding 5: RESUME moves sessions to another address, round after round (per-client limit bypass)',
  rssBoundMiB: 256,
  durationMs: 6_000,
  async prepare() {
    return {
      args: [],
      async attack(ctx) {
        const held = new Map<string, { sessionId: Uint8Array; token: Uint8Array }>();
        const resumeFrom = async (address: string, session: { sessionId: Uint8Array; token: Uint8Array }, leave: boolean): Promise<boolean> => {
          const peer = new RawPeer(ctx.url, address);
          if (!(await peer.opened)) return false;
          peer.send(encodeFrame({ type: 'resume', streamId: 0, sessionId: session.sessionId, resumeToken: session.token, received: 0 }));
          const answer = await Promise.race([peer.welcome, pause(2_000, ctx.signal).then(() => null)]);
          if (answer !== null) session.token = answer.resumeToken;
          if (leave) peer.leave();
          else peer.drop();
          await peer.closed;
          return answer !== null;
        };
        let rounds = 0;
        while (!ctx.signal.aborted && rounds < 6) {
          rounds += 1;
          const peers = await rawSessions(ctx.url, '127.0.0.3', MAX_SESSIONS_PER_CLIENT, helloFrame(2));
          const welcomes = await Promise.all(peers.map((peer) => Promise.race([peer.welcome, pause(2_000, ctx.signal).then(() => null)])));
          for (const welcome of welcomes) {
            if (welcome !== null) held.set(Buffer.from(welcome.sessionId).toString('hex'), { sessionId: welcome.sessionId, token: welcome.resumeToken });
          }
          for (const peer of peers) peer.drop();
          await Promise.all(peers.map((peer) => peer.closed));
          // B takes them over and drops them in turn: detached again, now counted for B.
          await inParallel(held.size, 8, async (i) => resumeFrom('127.0.0.4', [...held.values()][i] as { sessionId: Uint8Array; token: Uint8Array }, false));
        }
        // How many can the attacker still use? Resuming each proves it; 1001 then ends it for good.
        const usable = await inParallel(held.size, 8, (i) => resumeFrom('127.0.0.4', [...held.values()][i] as { sessionId: Uint8Array; token: Uint8Array }, true));
        const count = usable.filter(Boolean).length;
        ctx.note('rounds', rounds);
        ctx.note('sessionsHeld', count);
        if (count > 2 * MAX_SESSIONS_PER_CLIENT) ctx.fail(`two addresses held ${count} sessions, over 2 × ${MAX_SESSIONS_PER_CLIENT} (maxSessionsPerClient)`);
      },
    };
  },
};

/**
 * Finding 6 (memory): sessions × streams reading from a fast target, each announcing a
 * 2 GiB−1 window and never acknowledging anything (version 2: the replay buffer fills).
 */
export const memory: AbuseClass = {
  title: 'finding 6: 32 sessions × 256 streams with 2 GiB−1 windows that never acknowledge, from a fast target',
  rssBoundMiB: 512,
  durationMs: 8_000,
  async prepare(t) {
    const target = await streamingTarget(t);
    return {
      args: ['--allow', `127.0.0.1:${target.port}`],
      async attack(ctx) {
        const peers = await rawSessions(ctx.url, '127.0.0.5', MAX_SESSIONS_PER_CLIENT, helloFrame(2, { streamWindow: HUGE_WINDOW }));
        for (const peer of peers) {
          for (let i = 0; i < MAX_STREAMS; i += 1) peer.send(openFrame(2 * i + 1, '127.0.0.1', target.port));
        }
        ctx.note('sessions', peers.length);
        await aborted(ctx.signal);
        ctx.note('receivedMiB', Math.round(peers.reduce((sum, peer) => sum + peer.received, 0) / 2 ** 20));
        await leaveAll(peers);
      },
    };
  },
};

/** Finding 6 (descriptors): OPENs to a destination that never answers, from ten addresses. */
export const blackholeOpens: AbuseClass = {
  title: 'finding 6: 10 addresses × 32 sessions × 64 OPENs to a blackholed destination (descriptors)',
  rssBoundMiB: 256,
  durationMs: 8_000,
  async prepare(t) {
    // A listener that never accepts, its queue full: connects hang in SYN-SENT.
    const { port } = await startBlackhole(t);
    return {
      args: ['--allow', `127.0.0.1:${port}`],
      async attack(ctx) {
        const peers: RawPeer[] = [];
        for (let a = 1; a <= 10 && !ctx.signal.aborted; a += 1) {
          const some = await rawSessions(ctx.url, `127.0.1.${a}`, MAX_SESSIONS_PER_CLIENT, helloFrame(1));
          for (const peer of some) {
            for (let i = 0; i < MAX_PENDING_OPENS; i += 1) peer.send(openFrame(2 * i + 1, '127.0.0.1', port));
          }
          peers.push(...some);
        }
        ctx.note('sessions', peers.length);
        await aborted(ctx.signal);
        await leaveAll(peers);
      },
    };
  },
};

/** Finding 6 (sessions): idle sessions from 35 addresses fill maxSessions. */
export const idleSessions: AbuseClass = {
  title: 'finding 6: 35 addresses × 32 idle sessions fill maxSessions',
  rssBoundMiB: 256,
  durationMs: 6_000,
  async prepare() {
    return {
      args: [],
      async attack(ctx) {
        const peers: RawPeer[] = [];
        const addresses = Math.ceil((MAX_SESSIONS + 64) / MAX_SESSIONS_PER_CLIENT);
        for (let a = 1; a <= addresses && !ctx.signal.aborted; a += 1) {
          peers.push(...await rawSessions(ctx.url, `127.0.2.${a}`, MAX_SESSIONS_PER_CLIENT, helloFrame(1)));
        }
        ctx.note('sessions', peers.length);
        await aborted(ctx.signal);
        await leaveAll(peers);
      },
    };
  },
};

/**
 * Finding 8: a session with 200 established streams bursts 600 more OPENs (over the
 * stream limit and the open rate). The refusals must not take down what was admitted:
 * the attacker's own established streams must survive.
 */
export const burstOverLimit: AbuseClass = {
  title: 'finding 8: a burst of OPENs over the limits must not kill the session\'s 200 established streams',
  rssBoundMiB: 256,
  durationMs: 5_000,
  async prepare(t) {
    const target = await holdingTarget(t);
    return {
      args: ['--allow', `127.0.0.1:${target.port}`],
      async attack(ctx) {
        const [peer] = await rawSessions(ctx.url, '127.0.0.6', 1, helloFrame(1));
        if (peer === undefined) return ctx.fail('the attacker got no session');
        const established = 200;
        const opened = new Set<number>();
        const lost: string[] = [];
        let goaway = '';
        peer.onFrame = (frame) => {
          if (frame.type === 'opened') opened.add(frame.streamId);
          else if (frame.type === 'reset' && frame.streamId < 2 * established && lost.length < 5) lost.push(`stream ${frame.streamId}: ${frame.error.code}`);
          else if (frame.type === 'goaway') goaway = frame.error.code;
        };
        for (let i = 0; i < established; i += 1) peer.send(openFrame(2 * i + 1, '127.0.0.1', target.port));
        while (opened.size < established && peer.isOpen && !ctx.signal.aborted) await pause(20, ctx.signal);
        if (opened.size < established) return ctx.fail(`only ${opened.size} of ${established} streams opened before the burst`);
        for (let i = established; i < established + 600; i += 1) peer.send(openFrame(2 * i + 1, '127.0.0.1', target.port));
        await aborted(ctx.signal);
        ctx.note('goaway', goaway || 'none');
        if (!peer.isOpen || goaway !== '') ctx.fail(`the session was closed (${goaway || 'WebSocket closed'}), taking its ${established} established streams`);
        if (lost.length > 0) ctx.fail(`established streams were reset: ${lost.join(', ')}`);
        peer.leave();
        await peer.closed;
      },
    };
  },
};

/** Floods (issue 12's extras): WINDOW, ACK, PING and OPEN frames as fast as one socket sends them. */
export const floods: AbuseClass = {
  title: 'floods: WINDOW, ACK, PING and OPEN floods, session after session',
  rssBoundMiB: 256,
  durationMs: 6_000,
  async prepare(t) {
    const target = await holdingTarget(t);
    return {
      args: ['--allow', `127.0.0.1:${target.port}`],
      async attack(ctx) {
        const counts = { window: 0, ack: 0, ping: 0, open: 0 };
        const flood = async (kind: keyof typeof counts, address: string): Promise<void> => {
          let n = 0;
          while (!ctx.signal.aborted) {
            const [peer] = await rawSessions(ctx.url, address, 1, helloFrame(kind === 'ack' ? 2 : 1));
            if (peer === undefined) {
              await pause(50, ctx.signal);
              continue;
            }
            if (kind === 'window') peer.send(openFrame(1, '127.0.0.1', target.port));
            for (let i = 0; i < 20_000 && peer.isOpen; i += 1) {
              n += 1;
              switch (kind) {
                case 'window': peer.send(encodeFrame({ type: 'window', streamId: 1, limit: Math.min(MAX_CREDIT_OFFSET, 262_144 + i) })); break;
                case 'ack': peer.send(encodeFrame({ type: 'ack', streamId: 0, received: 0 })); break;
                case 'ping': peer.send(encodeFrame({ type: 'ping', streamId: 0, payload: new Uint8Array(8) })); break;
                case 'open': peer.send(openFrame(2 * i + 1, '127.0.0.1', target.port)); break;
              }
            }
            // Until the gateway took it all in (or closed the session), then again.
            while (peer.isOpen && peer.ws.bufferedAmount > 0 && !ctx.signal.aborted) await pause(20, ctx.signal);
            peer.leave();
            await peer.closed;
          }
          counts[kind] = n;
        };
        await Promise.all([flood('window', '127.0.0.7'), flood('ack', '127.0.0.8'), flood('ping', '127.0.0.9'), flood('open', '127.0.0.10')]);
        for (const [kind, n] of Object.entries(counts)) ctx.note(kind, n);
      },
    };
  },
};

/** Zero credit (issue 12's extras): streams from a fast target whose windows are never reopened. */
export const zeroCredit: AbuseClass = {
  title: 'zero-credit streams: 32 sessions × 256 streams never granting credit, from a fast target',
  rssBoundMiB: 512,
  durationMs: 6_000,
  async prepare(t) {
    const target = await streamingTarget(t);
    return {
      args: ['--allow', `127.0.0.1:${target.port}`],
      async attack(ctx) {
        // The smallest window a HELLO may announce (16 KiB), never extended by a WINDOW.
        const peers = await rawSessions(ctx.url, '127.0.0.11', MAX_SESSIONS_PER_CLIENT, helloFrame(1, { streamWindow: 16 * 1024 }));
        for (const peer of peers) {
          for (let i = 0; i < MAX_STREAMS; i += 1) peer.send(openFrame(2 * i + 1, '127.0.0.1', target.port));
        }
        ctx.note('sessions', peers.length);
        await aborted(ctx.signal);
        await leaveAll(peers);
      },
    };
  },
};

/**
 * Detached-session storm (issue 12's extras): resumable sessions that never acknowledge
 * are dropped mid-transfer, from 8 addresses; the gateway keeps them, their sockets and
 * their replay buffers for the grace period. The storm is in the sessions (256 detached,
 * each holding replay and sockets), not in throughput: the destination sends each stream
 * 3.2 MB/s (1.6 MB before its session drops; 256 sessions hold more than the memory
 * budget). Sent at full speed, the destination and the attacker (in this process) pushed
 * ~2,000 streams through loopback on the same two cores, and the kernel's share of that,
 * which no priority lowers, was what the well-behaved client measured (the gateway itself
 * was idle 80% of the time); the memory class covers full-speed transfers.
 */
export const detachedStorm: AbuseClass = {
  title: 'detached-session storm: 8 addresses × 32 resumable sessions × 2 streams dropped mid-transfer',
  rssBoundMiB: 512,
  durationMs: 8_000,
  keepsDetachedSessions: true,
  async prepare(t) {
    const target = await pacedTarget(t, 20);
    return {
      args: ['--allow', `127.0.0.1:${target.port}`],
      async attack(ctx) {
        let dropped = 0;
        for (let a = 1; a <= 8 && !ctx.signal.aborted; a += 1) {
          const peers = await rawSessions(ctx.url, `127.0.3.${a}`, MAX_SESSIONS_PER_CLIENT, helloFrame(2, { streamWindow: HUGE_WINDOW }));
          for (const peer of peers) {
            for (let i = 0; i < 2; i += 1) peer.send(openFrame(2 * i + 1, '127.0.0.1', target.port));
          }
          await pause(500, ctx.signal);
          for (const peer of peers) peer.drop();
          dropped += peers.length;
        }
        ctx.note('dropped', dropped);
        await aborted(ctx.signal);
      },
    };
  },
};

/** The frame fuzzer (gateway/fuzz.test.ts's generator) against the CLI, four sockets at a time. */
export const fuzzer: AbuseClass = {
  title: 'frame fuzzer: random and mutated frame sequences, four WebSockets at a time',
  rssBoundMiB: 256,
  durationMs: 8_000,
  async prepare(t) {
    const target = await startTarget(t, (socket) => {
      socket.resume();
      socket.on('end', () => socket.end());
    });
    return {
      args: ['--allow', `127.0.0.1:${target.port}`, '--allow', `localhost:${target.port}`, '--allow-listen', '127.0.0.1:0'],
      async attack(ctx) {
        // A fixed seed: the suite must not hinge on luck; each class run replays the same sequences.
        const sequences = fc.sample(stepsFor(target.port), { numRuns: 1_000, seed: 20_261_205 });
        let runs = 0;
        const stuck: string[] = [];
        await Promise.all(Array.from({ length: 4 }, async () => {
          while (!ctx.signal.aborted && runs < sequences.length) {
            const { hello, steps } = sequences[runs++] as (typeof sequences)[number];
            try {
              await fuzzOne(ctx.url, hello, steps, '127.0.0.12');
            } catch (error) {
              if (stuck.length < 3) stuck.push((error as Error).message.slice(0, 300));
            }
          }
        }));
        ctx.note('sequences', runs);
        if (stuck.length > 0) ctx.fail(`fuzzed sessions the gateway neither answered nor closed: ${stuck.join(' | ')}`);
      },
    };
  },
};
