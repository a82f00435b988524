/**
 * `sockway/gateway`: the Node side. Run it with the `sockway-gateway` CLI, or
 * embed it: `createGateway({ allow: ['db.internal:5432'] }).listen({ port: 8080 })`.
 */
export {
  type AttachOptions,
  type Gateway,
  type GatewayLogEntry,
  type GatewayOptions,
  type GatewayStats,
  type GatewayStreamStats,
  type ListenOptions,
  type LookupAll,
  createGateway,
} from './gateway.ts';
export {
  type Destination,
  type HostPattern,
  INVALID_RULE_CODE,
  type Policy,
  type PolicyDecision,
  type PolicyOptions,
  type PortRange,
  type Rule,
  createPolicy,
  parseRule,
} from './policy.ts';
export type { TcpBridgeInfo, TcpBridgePhase } from './tcp-bridge.ts';
export type { Limits } from '../shared/protocol.ts';
export type { StreamStats } from '../shared/session.ts';
