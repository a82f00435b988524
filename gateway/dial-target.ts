/**
 * What an OPEN dials, so that what is checked is what is dialed: an IP host in any
 * notation is checked and dialed as its canonical address (address.ts); a name is only
 * prechecked before DNS, then each resolved address is checked and net.connect gets one
 * the policy allowed (an IP, so no second lookup can answer differently).
 */
import * as dns from 'node:dns';
import type * as net from 'node:net';
import type { Family, OpenFrame } from '../shared/frame.ts';
import { normalizeHost } from './address.ts';
import type { PolicyCheck, PolicyDecision } from './policy.ts';

/** One address to dial. */
export interface Candidate {
  readonly address: string;
  readonly family: Family;
}

/**
 * The policy's word before DNS, with the canonical address to dial when the host is an
 * IP (null for a name). A name can only be refused for good here if no address could
 * make it allowed; an IP is checked once, here.
 */
export function checkTarget(frame: OpenFrame, policy: PolicyCheck): PolicyDecision & { readonly literal?: Candidate } {
  const target = normalizeHost(frame.host);
  const destination = { host: frame.host, port: frame.port };
  if (target.kind !== 'ip') return policy.precheck(destination);
  const decision = policy.check(destination);
  return decision.allowed ? { ...decision, literal: { address: target.address, family: target.ip.family } } : decision;
}

/** dns.lookup() options for the OPEN's host: every address of the family it asked for. */
export function lookupOptions(frame: OpenFrame): dns.LookupAllOptions {
  return {
    all: true,
    family: frame.family,
    // As net.connect does when no family is asked for: only families the host has an address in.
    ...(frame.family === 0 && frame.localAddress === '' ? { hints: dns.ADDRCONFIG } : {}),
  };
}

/** The resolved addresses the policy allows, in order, and the reason it gave for the first it refused ('' if none). */
export function allowedCandidates(addresses: readonly dns.LookupAddress[], frame: OpenFrame, policy: PolicyCheck): { readonly candidates: readonly Candidate[]; readonly reason: string } {
  const candidates: Candidate[] = [];
  let reason = '';
  for (const { address, family } of addresses) {
    if (family !== 4 && family !== 6) continue;
    const decision = policy.check({ host: frame.host, port: frame.port, address });
    if (decision.allowed) candidates.push({ address, family });
    else reason ||= decision.reason;
  }
  return { candidates, reason };
}

/** net.connect() options dialing `candidate` with the OPEN's socket options, reading through `onread`. */
export function connectOptions(frame: OpenFrame, candidate: Candidate, onread: net.OnReadOpts): net.TcpNetConnectOpts {
  return {
    host: candidate.address, // an IP: net.connect does no second lookup
    port: frame.port,
    family: candidate.family,
    ...(frame.localAddress === '' ? {} : { localAddress: frame.localAddress }),
    ...(frame.localPort === 0 ? {} : { localPort: frame.localPort }),
    allowHalfOpen: true,
    noDelay: frame.noDelay,
    keepAlive: frame.keepAlive,
    keepAliveInitialDelay: frame.keepAliveInitialDelay,
    autoSelectFamily: false,
    onread,
  };
}
