/**
 * 'sockway/dns': a drop-in `dns` module over the tunnel set by configure({ url }) from
 * 'sockway'. Bundlers alias `dns`, `node:dns` and `dns/promises` here. Names are
 * resolved by the gateway, under its connect policy (a denied name: SOCKWAY_ERR_DENIED).
 */
import { defaultTunnelCore } from './config.ts';
import { createDns } from './dns-module.ts';

const dns = createDns(() => defaultTunnelCore);

export const {
  lookup,
  lookupService,
  resolve,
  resolve4,
  resolve6,
  resolveCname,
  resolveMx,
  resolveNs,
  resolvePtr,
  resolveSrv,
  resolveTxt,
  getServers,
  setServers,
  setDefaultResultOrder,
  getDefaultResultOrder,
  promises,
  Resolver,
  ADDRCONFIG,
  V4MAPPED,
  ALL,
} = dns;
export type { DnsModule, DnsPromises, LookupAddress, LookupOptions } from './dns-module.ts';
export default dns;
