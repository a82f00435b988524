import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { type LineService, startLineService } from './line-service.ts';

let service: LineService;

before(async () => {
  service = await startLineService();
});

after(async () => {
  await service.close();
});

/** Connects, sends `input`, collects lines until `lines` have arrived (the welcome included). */
function exchange(input: string, lines: number): Promise<{ lines: string[]; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(service.port, service.host);
    socket.setEncoding('utf8');
    let text = '';
    const ended = new Promise<void>((done) => socket.once('end', () => done()));
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      text += chunk;
      const complete = text.split('\n').slice(0, -1);
      if (complete.length >= lines) {
        resolve({ lines: complete, ended });
        socket.end();
      }
    });
    socket.write(input);
  });
}

test('greets, then answers ECHO, UPPER, unknown commands and blank lines', async () => {
  const { lines } = await exchange('ECHO hello there\r\n\nupper mixed Case\nFLY away\n', 4);
  assert.deepEqual(lines, [
    'Welcome to the sockway demo service. Type HELP and press Enter.',
    'hello there',
    'MIXED CASE',
    '? unknown command "FLY": try HELP',
  ]);
});

test('HELP lists the commands; TIME is an ISO date', async () => {
  const { lines } = await exchange('HELP\nTIME\n', 9);
  assert.equal(lines[1], 'Commands (one per line):');
  assert.ok(lines.slice(2, 8).every((line) => /^ {2}[A-Z]+/.test(line)));
  assert.ok(!Number.isNaN(Date.parse(lines[8] ?? '')), lines[8]);
});

test('COUNT streams its lines; BYE ends from the server side', async () => {
  const { lines } = await exchange('COUNT 2\n', 3);
  assert.deepEqual(lines.slice(1), ['1 of 2', '2 of 2']);
  const bye = await exchange('BYE\n', 2);
  assert.equal(bye.lines[1], 'Bye.');
  await bye.ended;
});

test('a line longer than 4096 characters is dropped with a notice', async () => {
  const { lines } = await exchange(`${'x'.repeat(5000)}`, 2);
  assert.equal(lines[1], '? line longer than 4096 characters: dropped');
});
