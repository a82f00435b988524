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
  type PolicyCheck,
  type ListenTarget,
  type RuleSetOptions,
  type PortRange,
  type Rule,
  createPolicy,
  intersectPolicies,
  parseRule,
} from './policy.ts';
export type { TcpBridgeInfo, TcpBridgePhase } from './tcp-bridge.ts';
export {
  type IssueTokenOptions,
  type TokenClaims,
  type TokenFailure,
  type TokenSecret,
  type VerifyTokenOptions,
  DEFAULT_TOKEN_AUDIENCE,
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
export type { GatewayLimitOptions, GatewayLimits } from './limits.ts';
export { DEFAULT_GATEWAY_LIMITS, DEFAULT_GATEWAY_MAX_STREAMS } from './options-schema.ts';
export { LIMIT_DOCS } from './options-doc.ts';
export { type AddressCategory, type SpecialRange, SPECIAL_RANGES } from './address.ts';
export type { Limits } from '../shared/protocol.ts';
export type { StreamStats } from '../shared/session.ts';
