/**
 * Node's `tls` and `dns` over a tunnel made with createTunnel(). Kept apart from the
 * Tunnel itself so a page that only uses `net` does not bundle them.
 *
 *   const tunnel = createTunnel({ url });
 *   const tls = tlsOver(tunnel);   // tls.connect(...) on this tunnel's streams
 *   const dns = dnsOver(tunnel);   // names resolved by this tunnel's gateway
 */
import { createDns, type DnsModule } from './dns-module.ts';
import { createTls, type TlsModule } from './tls-module.ts';
import type { Tunnel } from './tunnel.ts';
import type { TunnelCore } from './tunnel-core.ts';

/** Node's `tls` client surface on `tunnel`: TLS originated by its gateway. */
export function tlsOver(tunnel: Tunnel): TlsModule {
  return createTls(tunnel.net);
}

/** Node's `dns` surface on `tunnel`, answered by its gateway's resolver. */
export function dnsOver(tunnel: Tunnel): DnsModule {
  // Every Tunnel createTunnel() returns is also the TunnelCore its modules talk to.
  return createDns(() => tunnel as unknown as TunnelCore);
}
