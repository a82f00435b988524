/**
 * Stream lifecycle: every (state, event) pair, plus the canSend / canReceive /
 * isTerminal tables. @see PROTOCOL.md#stream-lifecycle
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isProtocolError, SockwayErrorCode } from './errors.ts';
import { type StreamEvent, type StreamState, canReceive, canSend, isTerminal, transition } from './stream-state.ts';

// Records keyed by the unions, so adding a state or event without a row here is a type error.
const STATE_ROWS: { readonly [S in StreamState]: true } = {
  opening: true, open: true, 'local-closed': true, 'remote-closed': true, closed: true, reset: true,
};
const EVENT_ROWS: { readonly [E in StreamEvent]: true } = { opened: true, 'send-end': true, 'recv-end': true, answered: true, reset: true };
const STATES = Object.keys(STATE_ROWS) as StreamState[];
const EVENTS = Object.keys(EVENT_ROWS) as StreamEvent[];

/** The full transition table; null = illegal. */
const EXPECTED: { readonly [S in StreamState]: { readonly [E in StreamEvent]: StreamState | null } } = {
  opening: { opened: 'open', 'send-end': null, 'recv-end': null, answered: 'closed', reset: 'reset' },
  open: { opened: null, 'send-end': 'local-closed', 'recv-end': 'remote-closed', answered: null, reset: 'reset' },
  'local-closed': { opened: null, 'send-end': null, 'recv-end': 'closed', answered: null, reset: 'reset' },
  'remote-closed': { opened: null, 'send-end': 'closed', 'recv-end': null, answered: null, reset: 'reset' },
  closed: { opened: null, 'send-end': null, 'recv-end': null, answered: null, reset: null },
  reset: { opened: null, 'send-end': null, 'recv-end': null, answered: null, reset: null },
};

const PREDICATES: { readonly [S in StreamState]: { readonly canSend: boolean; readonly canReceive: boolean; readonly isTerminal: boolean } } = {
  opening: { canSend: false, canReceive: false, isTerminal: false },
  open: { canSend: true, canReceive: true, isTerminal: false },
  'local-closed': { canSend: false, canReceive: true, isTerminal: false },
  'remote-closed': { canSend: true, canReceive: false, isTerminal: false },
  closed: { canSend: false, canReceive: false, isTerminal: true },
  reset: { canSend: false, canReceive: false, isTerminal: true },
};

describe('transition', () => {
  it('the table covers 6 states x 5 events', () => {
    assert.equal(STATES.length, 6);
    assert.equal(EVENTS.length, 5);
  });

  for (const state of STATES) {
    for (const event of EVENTS) {
      const next = EXPECTED[state][event];
      if (next !== null) {
        it(`${state} --${event}--> ${next}`, () => {
          assert.equal(transition(state, event), next);
        });
      } else {
        it(`${state} --${event}--> illegal (SOCKWAY_ERR_PROTOCOL)`, () => {
          // Returned, not thrown: transition() is pure and the session decides what to do.
          let result: ReturnType<typeof transition> | undefined;
          assert.doesNotThrow(() => {
            result = transition(state, event);
          });
          assert.ok(isProtocolError(result), `expected a ProtocolError, got ${String(result)}`);
          assert.equal(result.name, 'ProtocolError');
          assert.equal(result.code, SockwayErrorCode.Protocol);
          assert.equal(result.message, `stream event ${event} is illegal in state ${state}`);
        });
      }
    }
  }

  it('each illegal transition returns a fresh error', () => {
    const a = transition('closed', 'reset');
    const b = transition('closed', 'reset');
    assert.ok(isProtocolError(a) && isProtocolError(b));
    assert.notEqual(a, b);
  });

  it('both half-close orders end in closed', () => {
    const walk = (events: readonly StreamEvent[]): StreamState => {
      let state: StreamState = 'opening';
      for (const event of events) {
        const next = transition(state, event);
        assert.ok(!isProtocolError(next), `${state} --${event}--> error`);
        state = next;
      }
      return state;
    };
    assert.equal(walk(['opened', 'send-end', 'recv-end']), 'closed');
    assert.equal(walk(['opened', 'recv-end', 'send-end']), 'closed');
  });

  it('every non-terminal state can be reset; terminal states accept no event', () => {
    for (const state of STATES) {
      if (isTerminal(state)) {
        for (const event of EVENTS) assert.ok(isProtocolError(transition(state, event)), `${state} ${event}`);
      } else {
        assert.equal(transition(state, 'reset'), 'reset');
      }
    }
  });
});

describe('state predicates', () => {
  for (const state of STATES) {
    const expected = PREDICATES[state];
    it(`${state}: canSend=${expected.canSend} canReceive=${expected.canReceive} isTerminal=${expected.isTerminal}`, () => {
      assert.equal(canSend(state), expected.canSend);
      assert.equal(canReceive(state), expected.canReceive);
      assert.equal(isTerminal(state), expected.isTerminal);
    });
  }

  it('agree with the transition table', () => {
    for (const state of STATES) {
      // END may be sent exactly where DATA may be sent, and received where DATA may arrive.
      assert.equal(canSend(state), !isProtocolError(transition(state, 'send-end')), `canSend(${state})`);
      assert.equal(canReceive(state), !isProtocolError(transition(state, 'recv-end')), `canReceive(${state})`);
      assert.equal(isTerminal(state), EVENTS.every((event) => isProtocolError(transition(state, event))), `isTerminal(${state})`);
    }
  });
});
