// WorkQueue: one at a time, duplicates collapse, failures retry with backoff, idle and stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from './work-queue.js';

test('keys run one at a time and duplicates queued meanwhile collapse into one more run', async () => {
  const runs: string[] = [];
  let active = 0;
  let maxActive = 0;
  const q = new WorkQueue(async (key) => {
    active++;
    maxActive = Math.max(maxActive, active);
    runs.push(key);
    await new Promise((r) => setTimeout(r, 5));
    active--;
  });
  q.add('a'); // starts at once
  q.add('b');
  q.add('b');
  q.add('a'); // queued while running: handled again afterwards, once
  q.add('a');
  assert.ok(q.busy);
  await q.idle();
  assert.equal(maxActive, 1);
  assert.deepEqual(runs, ['a', 'b', 'a']);
  assert.equal(q.busy, false);
});

test('a failing key is retried with backoff and reported each time', async () => {
  const errors: string[] = [];
  const times: number[] = [];
  let calls = 0;
  const q = new WorkQueue(
    async () => {
      times.push(Date.now());
      if (++calls < 4) throw new Error(`fail ${calls}`);
    },
    { retryBaseMs: 10, onError: (key, e) => errors.push(`${key}: ${(e as Error).message}`) },
  );
  q.add('x');
  await q.idle();
  assert.equal(calls, 4);
  assert.deepEqual(errors, ['x: fail 1', 'x: fail 2', 'x: fail 3']);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(gaps[2]! >= 35, `backoff doubles: ${gaps}`);
});

test('stop drops queued work and retries, and waits for the running key', async () => {
  let finished = false;
  const q = new WorkQueue(
    async (key) => {
      if (key === 'slow') {
        await new Promise((r) => setTimeout(r, 20));
        finished = true;
      } else throw new Error('no');
    },
    { retryBaseMs: 1000 },
  );
  q.add('fail');
  await new Promise((r) => setTimeout(r, 5));
  q.add('slow');
  q.add('never');
  await new Promise((r) => setTimeout(r, 1));
  await q.stop();
  assert.ok(finished);
  assert.equal(q.busy, false);
  q.add('after');
  assert.equal(q.busy, false);
});
