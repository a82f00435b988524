import { test, expect } from 'sockway/playwright/test';

test.use({
  sockwayOptions: {
    // The app dials redis.internal:6379 as in production; here the test plays Redis.
    hosts: {
      'redis.internal:6379': (socket) => {
        socket.on('data', (command) => socket.write(String(command) === 'PING\r\n' ? '+PONG\r\n' : '-ERR unknown command\r\n'));
      },
    },
    // The page keeps its Redis connection open, as Redis clients do.
    allowOpen: ['redis.internal:6379'],
  },
});

test('shows PONG from Redis', async ({ page, sockway }) => {
  await page.goto('/');
  await expect(page.getByRole('status')).toHaveText('+PONG');
  expect(sockway.streams()).toEqual([{ destination: 'redis.internal:6379', bytesSent: 6, bytesReceived: 7, state: 'open' }]);
});

test('shows the error when Redis refuses the connection', async ({ page, sockway }) => {
  sockway.fault('redis.internal:6379', 'refuse');
  await page.goto('/');
  await expect(page.getByRole('status')).toHaveText('connect ECONNREFUSED 127.0.0.1:6379');
  await expect(page.getByRole('button', { name: 'Ping' })).toBeDisabled();
  expect(sockway.streams()).toEqual([{ destination: 'redis.internal:6379', bytesSent: 0, bytesReceived: 0, state: 'ECONNREFUSED' }]);
});

test('keeps working when the network drops', async ({ page, sockway }) => {
  await page.goto('/');
  await expect(page.getByRole('status')).toHaveText('+PONG');
  await sockway.dropConnection();
  await page.getByRole('button', { name: 'Ping' }).click();
  await expect(page.getByRole('status')).toHaveText('+PONG');
  // Still the one connection: the page resumed its session and the socket never noticed.
  expect(sockway.streams()).toEqual([{ destination: 'redis.internal:6379', bytesSent: 12, bytesReceived: 14, state: 'open' }]);
});
