/**
 * `sockway/gateway`: the Node side. Run it with the `sockway-gateway` CLI, or
 * embed it: `createGateway({ allow: ['db.internal:5432'] }).listen({ port: 8080 })`.
 *
 * The gateway's API only: createGateway() and the types of its options, stats and log
 * entries; rules and policies (its `allow`/`policy` options); capability tokens and the
 * authenticate hook; the error codes it throws. Everything else (limit tables, address
 * ranges, bridges) is internal: tests import it from its module.
 */
export {
  type AdminListenOptions,
  type AttachOptions,
  type Gateway,
  type GatewayLogEntry,
  type GatewayOptions,
  type GatewayReloadResult,
  type GatewayStats,
  type GatewayStreamStats,
  type ListenOptions,
  type LookupAll,
  type Readiness,
  createGateway,
} from './gateway.ts';
export type { GatewayLimitOptions } from './limits.ts';
export type { ConnectSocket } from './tcp-bridge.ts';
export type { GatewayWebSocket } from './ws-transport.ts';
export type { Limits } from '../shared/protocol.ts';
export {
  type Destination,
  type HostPattern,
  type ListenTarget,
  type Policy,
  type PolicyCheck,
  type PolicyDecision,
  type PolicyOptions,
  type PortRange,
  type Rule,
  type RuleSetOptions,
  createPolicy,
  parseRule,
} from './policy.ts';
export {
  type IssueTokenOptions,
  type TokenClaims,
  type TokenFailure,
  type TokenSecret,
  type VerifyTokenOptions,
  TokenError,
  issueToken,
  tokenPolicy,
  verifyToken,
} from './token.ts';
export {
  type AuthDecision,
  type AuthRequest,
  type Authenticate,
  type TokenAuthenticatorOptions,
  tokenAuthenticator,
} from './admission.ts';
export { SockwayErrorCode, type SockwayErrorCodeValue } from '../shared/errors.ts';
