/**
 * A TCP proxy for fault injection between a client and the gateway: it forwards
 * bytes both ways until told to drop (RST both ends) or to blackhole (stop
 * forwarding without closing anything, as a dead NAT or Wi-Fi does).
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A running fault proxy. */
export interface FaultProxy {
  readonly port: number;
  /** Connections forwarded so far. */
  readonly accepted: number;
  /** Connections open now (blackholed ones included). */
  readonly open: number;
  /** Every current connection stops forwarding silently; new ones forward normally. */
  blackhole(): void;
  /** Resets every current connection. */
  dropAll(): void;
  /** Stops accepting (new connections are refused) and destroys every connection. */
  close(): Promise<void>;
}

interface Pair {
  readonly inbound: net.Socket;
  readonly outbound: net.Socket;
  forwarding: boolean;
}

/** Starts a proxy on 127.0.0.1:0 to `targetPort`. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  let accepted = 0;
  const server = net.createServer((inbound) => {
    accepted += 1;
    const outbound = net.connect(targetPort, '127.0.0.1');
    const pair: Pair = { inbound, outbound, forwarding: true };
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk: Buffer) => {
        // A blackholed link swallows bytes: neither delivered nor refused.
        if (pair.forwarding && !to.write(chunk)) {
          from.pause();
          to.once('drain', () => {
            if (pair.forwarding) from.resume();
          });
        }
      });
    };
    forward(inbound, outbound);
    forward(outbound, inbound);
    const close = (): void => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close);
    outbound.on('error', close);
    inbound.on('close', close);
    outbound.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() { return accepted; },
    get open() { return pairs.size; },
    blackhole() {
      // Stop reading too, so the kernel buffers fill and the senders feel it, as over a dead path.
      for (const pair of pairs) {
        pair.forwarding = false;
        pair.inbound.pause();
        pair.outbound.pause();
      }
    },
    dropAll() {
      for (const { inbound, outbound } of pairs) {
        inbound.resetAndDestroy();
        outbound.resetAndDestroy();
      }
    },
    close: () => new Promise<void>((resolve) => {
      for (const { inbound, outbound } of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
      server.close(() => resolve());
    }),
  };
}
