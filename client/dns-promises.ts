/** 'dns/promises' for bundlers: the promises API of 'sockway/dns'. */
import dns from './dns.ts';

export const {
  lookup,
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
  Resolver,
} = dns.promises;
export default dns.promises;
