/** 'dns/promises' for bundlers: the promises API of 'sockway/dns'. */
import dns from './dns.ts';

// Grouped by role: the same names as 'sockway/dns', each its promise form.
export const { lookup, resolve, resolve4, resolve6, resolveCname, resolveMx, resolveNs, resolvePtr, resolveSrv, resolveTxt } = dns.promises;
export const { getServers, setServers, setDefaultResultOrder, getDefaultResultOrder, Resolver } = dns.promises;
export default dns.promises;
