/**
 * The abuse suite (issue 12, deliverable 2): each attack class of the security review,
 * plus floods, zero-credit streams, detached-session storms and the frame fuzzer, runs
 * against the real gateway CLI (gateway/main.ts, bundled, in its own process) with
 * default settings, while a well-behaved client in a process of its own keeps measuring.
 *
 * Every class must leave the gateway available (gateway/testing/abuse-run.ts):
 * - echo p99 < 100 ms (a 64-byte echo due every 20 ms on one stream), every new session
 *   (WebSocket, HELLO → WELCOME, OPEN → OPENED, one due every 250 ms) < 1 s, no failure;
 * - gateway peak RSS (VmRSS sampled every 100 ms, and VmHWM) under the class's bound:
 *   256 MiB for classes that hold little by design, 512 MiB for those that make the
 *   gateway buffer stream data (memory, zero credit, detached sessions);
 * - its descriptors back within 16 of the baseline 10 s after the attacker left (except
 *   after detached sessions, which the gateway keeps for the resume grace period);
 * - no error-level log line, and a clean exit within 5 s of SIGTERM.
 *
 * The gateway runs with RLIMIT_NOFILE 8192 (abuse-gateway.ts). Attackers come from
 * 127.0.0.2 and up; the well-behaved client from 127.0.0.1. Class 4 runs the gateway in
 * a mount namespace whose /etc/resolv.conf names a DNS server that never answers
 * (root and unshare(1) required: the class fails, never skips, without them).
 * ABUSE_REPORT=file appends each class's figures as a JSON line (gateway/abuse/BEFORE.md).
 */
import { describe, test } from 'node:test';
import * as attacks from './attacks.ts';
import { runAbuseClass } from '../testing/abuse-run.ts';

const CLASSES = [
  attacks.starttlsKdf,
  attacks.starttlsRejected,
  attacks.slowloris,
  attacks.dnsStarvation,
  attacks.resumeBypass,
  attacks.memory,
  attacks.blackholeOpens,
  attacks.idleSessions,
  attacks.burstOverLimit,
  attacks.floods,
  attacks.zeroCredit,
  attacks.detachedStorm,
  attacks.fuzzer,
];

describe('abuse: the gateway CLI stays available under each attack class', () => {
  for (const cls of CLASSES) {
    test(cls.title, { timeout: 120_000 }, async (t) => {
      await runAbuseClass(t, cls);
    });
  }
});
