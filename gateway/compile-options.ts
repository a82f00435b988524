/**
 * createGateway()'s options, checked and compiled into what the gateway runs on: the
 * policy, the authentication hook, the Origin check and the resolved values (schema
 * defaults and bounds, options-schema.ts). The constructor and reload() both build from
 * it, so a reload is checked exactly as a start is.
 */
import { codedError } from '../shared/errors.ts';
import { type Authenticate, originMatcher, tokenAuthenticator } from './admission.ts';
import type { GatewayOptions } from './gateway-api.ts';
import { type ResolvedGatewayOptions, resolveGatewayOptions } from './options-schema.ts';
import { type Policy, type Rule, createPolicy } from './policy.ts';

/** What the gateway runs on. */
export interface CompiledOptions {
  readonly policy: Policy;
  readonly authenticate: Authenticate | undefined;
  readonly originAllowed: (origin: string | undefined) => boolean;
  readonly resolved: ResolvedGatewayOptions;
}

/** createGateway()'s options, checked and compiled: what the constructor and reload() build from them. */
export function compileOptions(options: GatewayOptions): CompiledOptions {
  const policy: Policy = options.policy ?? createPolicy({
    allow: requireAllow(options.allow),
    deny: options.deny ?? [],
    listen: { allow: options.allowListen ?? [], deny: options.denyListen ?? [] },
  });
  const resolved = resolveGatewayOptions(options);
  if (options.authenticate !== undefined && options.tokenSecret !== undefined) {
    throw codedError('ERR_INVALID_ARG_VALUE', 'give `authenticate` or `tokenSecret`, not both (call verifyToken() inside your authenticate hook to combine them)');
  }
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
    throw codedError('ERR_INVALID_ARG_TYPE', 'authenticate must be a function');
  }
  const authenticate: Authenticate | undefined = options.tokenSecret === undefined
    ? options.authenticate
    : tokenAuthenticator({ secret: options.tokenSecret, ...(options.tokenAudience === undefined ? {} : { audience: options.tokenAudience }) });
  return { policy, authenticate, originAllowed: originMatcher(options.allowOrigins), resolved };
}

function requireAllow(allow: GatewayOptions['allow']): readonly (string | Rule)[] {
  if (allow === undefined) {
    throw codedError('ERR_INVALID_ARG_VALUE', 'createGateway() needs `allow` rules (or a `policy`): the gateway denies every destination by default');
  }
  return allow;
}


