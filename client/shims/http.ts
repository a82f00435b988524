/**
 * `http` / `https` in a page: a page speaks HTTP with fetch(), not through sockets.
 * Libraries subclass `Agent` when they load (ssh2's HTTP-over-SSH agents), so Agent is a
 * real class; making a request throws a clear error.
 */
import { EventEmitter } from 'events';

/** Stand-in for Node's http.Agent: subclassable, with Node's option fields. */
export class Agent extends EventEmitter {
  readonly options: Record<string, unknown>;
  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = { ...options };
  }
}

/** http.globalAgent. */
export const globalAgent = new Agent();

function unavailable(): never {
  throw Object.assign(new Error('http.request is not available in the browser through sockway; use fetch()'), {
    code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
  });
}

export const request = unavailable;
export const get = unavailable;
export const createServer = unavailable;

/** Node's STATUS_CODES for the codes libraries print. */
export const STATUS_CODES: Readonly<Record<number, string>> = Object.freeze({
  200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable',
});

export default { Agent, globalAgent, request, get, createServer, STATUS_CODES };
