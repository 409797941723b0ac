// The file store passes the ObjectStore contract, survives reopening, compaction, torn writes and a killed writer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Pod } from '../../resources/index.js';
import { FileObjectStore, LOG_FILE, SNAPSHOT_FILE } from './file-object-store.js';
import { collect, namespace, objectStoreContract, pod, summary } from './object-store.contract.test.js';
import { isStoreError } from './store-error.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'porin-store-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

objectStoreContract('FileObjectStore', async (options) => FileObjectStore.open(await tempDir(), options));

describe('FileObjectStore durability', () => {
  test('reopening keeps every object and continues the revision counter', async () => {
    const dir = await tempDir();
    const s1 = await FileObjectStore.open(dir);
    await s1.apply([namespace('prod'), pod('a', 'prod'), pod('b', 'prod')]);
    await s1.updateStatus('Pod', 'prod', 'a', { podIP: '10.244.0.4' });
    await s1.delete([{ kind: 'Pod', namespace: 'prod', name: 'b' }]);
    const before = await s1.list('Pod');
    await s1.close();

    const s2 = await FileObjectStore.open(dir);
    const reopened = await s2.list('Pod');
    assert.deepEqual(reopened, before);
    assert.equal(reopened.resourceVersion, '5');
    const [c] = await s2.apply([pod('c', 'prod')]);
    assert.equal(c!.object.metadata.resourceVersion, '6');
    await s2.close();
  });

  test('after reopening, a watch can resume from a revision still in the log', async () => {
    const dir = await tempDir();
    const s1 = await FileObjectStore.open(dir);
    await s1.apply([pod('a')]);
    await s1.apply([pod('b')]);
    await s1.delete([{ kind: 'Pod', name: 'a' }]);
    await s1.close();
    const s2 = await FileObjectStore.open(dir);
    const w = collect(s2, {}, '1');
    const events = await w.next(2);
    w.stop();
    assert.equal(summary(events), 'ADDED Pod/b@2, DELETED Pod/a@3');
    await s2.close();
  });

  test('compaction writes a snapshot and empties the log; reopening gives the same state', async () => {
    const dir = await tempDir();
    const s1 = await FileObjectStore.open(dir, { compactEveryRecords: 10 });
    for (let i = 0; i < 25; i++) await s1.apply([pod(`p${i % 7}`, 'default', { app: 'x', i: String(i) })]);
    await s1.delete([{ kind: 'Pod', name: 'p0' }]);
    const before = await s1.list('Pod');
    await s1.close();
    const snapshot = JSON.parse(await readFile(join(dir, SNAPSHOT_FILE), 'utf8'));
    assert.equal(snapshot.revision, 20);
    const logLines = (await readFile(join(dir, LOG_FILE), 'utf8')).split('\n').filter(Boolean);
    assert.equal(logLines.length, 6);
    const s2 = await FileObjectStore.open(dir);
    assert.deepEqual(await s2.list('Pod'), before);
    assert.throws(
      () => s2.watch({}, '10', () => {}),
      (e) => isStoreError(e, 'PORIN_ERR_GONE'),
    );
    await s2.close();
  });

  test('a log that still holds records already in the snapshot (crash before emptying it) is replayed once', async () => {
    const dir = await tempDir();
    const s1 = await FileObjectStore.open(dir);
    await s1.apply([pod('a')]);
    await s1.apply([pod('a', 'default', { app: 'a', v: '2' })]);
    await s1.close();
    const log = await readFile(join(dir, LOG_FILE), 'utf8');
    // The snapshot a compaction wrote at revision 2, and a log it did not get to empty.
    const s0 = await FileObjectStore.open(dir);
    const state = await s0.list('Pod');
    await s0.close();
    await writeFile(
      join(dir, SNAPSHOT_FILE),
      JSON.stringify({ format: 1, revision: 2, objects: state.items }),
    );
    await writeFile(join(dir, LOG_FILE), log);
    const s2 = await FileObjectStore.open(dir);
    assert.deepEqual(await s2.list('Pod'), state);
    await s2.close();
  });

  test('a torn last line is dropped and cut off; later writes and reopens work', async () => {
    const dir = await tempDir();
    const s1 = await FileObjectStore.open(dir);
    await s1.apply([pod('a')]);
    await s1.close();
    const good = (await stat(join(dir, LOG_FILE))).size;
    await appendFile(
      join(dir, LOG_FILE),
      '{"rev":2,"events":[{"type":"ADDED","object":{"apiVersion":"v1","ki',
    );
    const s2 = await FileObjectStore.open(dir);
    assert.equal((await stat(join(dir, LOG_FILE))).size, good);
    assert.deepEqual(
      (await s2.list('Pod')).items.map((p) => p.metadata.name),
      ['a'],
    );
    await s2.apply([pod('b')]);
    await s2.close();
    const s3 = await FileObjectStore.open(dir);
    assert.deepEqual(
      (await s3.list('Pod')).items.map((p) => p.metadata.name),
      ['a', 'b'],
    );
    await s3.close();
  });

  test('a complete but unparseable last line (out-of-order writeback) is dropped too', async () => {
    const dir = await tempDir();
    const s1 = await FileObjectStore.open(dir);
    await s1.apply([pod('a')]);
    await s1.close();
    await appendFile(join(dir, LOG_FILE), '\0\0\0\0garbage\n');
    const s2 = await FileObjectStore.open(dir);
    assert.equal((await s2.list('Pod')).items.length, 1);
    await s2.close();
  });

  test('an unparseable line before the last is corruption', async () => {
    const dir = await tempDir();
    const s1 = await FileObjectStore.open(dir);
    await s1.apply([pod('a')]);
    await s1.close();
    const log = await readFile(join(dir, LOG_FILE), 'utf8');
    await writeFile(join(dir, LOG_FILE), `{broken\n${log}`);
    await assert.rejects(FileObjectStore.open(dir), (e) => isStoreError(e, 'PORIN_ERR_STORE_CORRUPT'));
  });

  test('one process per directory: a second open is refused while the first holds it', async () => {
    const dir = await tempDir();
    const s1 = await FileObjectStore.open(dir);
    await assert.rejects(FileObjectStore.open(dir), (e) => isStoreError(e, 'PORIN_ERR_STORE_LOCKED'));
    await s1.close();
    const s2 = await FileObjectStore.open(dir);
    await s2.close();
  });
});

// The child applies batch after batch and prints the sequence number of each acknowledged one.
// Every batch writes the same sequence number into two pods of one slot (so a half-applied batch
// shows), deletes a third, and compacts often (so kills land in compactions too).
const WRITER = `
import { FileObjectStore } from ${JSON.stringify(new URL('./file-object-store.js', import.meta.url).href)};
const store = await FileObjectStore.open(process.argv[1], { compactEveryRecords: 7 });
const pod = (name, seq) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations: { seq: String(seq) } }, spec: { containers: [{ name: 'c', image: 'i', args: ['x'.repeat(seq % 500)] }] } });
for (let seq = 1; ; seq++) {
  const slot = seq % 5;
  await store.apply([pod('a' + slot, seq), pod('b' + slot, seq), pod('tmp', seq)]);
  await store.delete([{ kind: 'Pod', name: 'tmp' }]);
  process.stdout.write(seq + '\\n');
}
`;

function runWriterUntil(dir: string, acks: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', WRITER, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let last = 0;
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const l of lines) last = Number(l);
      // Kill at a varying point: right after an acknowledgement, mid-way into the next batch.
      if (last >= acks && child.pid !== undefined && child.exitCode === null)
        process.kill(child.pid, 'SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

describe('FileObjectStore crash safety', () => {
  test('killing a writer mid-way loses no acknowledged batch and leaves no half batch', async () => {
    const dir = await tempDir();
    let acknowledged = 0;
    for (const round of [60, 45, 80, 30, 100]) {
      const last = await runWriterUntil(dir, round);
      acknowledged = last; // each round restarts at seq 1, so only this round's acks count
      const store = await FileObjectStore.open(dir);
      const pods = (await store.list('Pod')).items as Pod[];
      const seqOf = (name: string) =>
        Number(pods.find((p) => p.metadata.name === name)?.metadata.annotations?.seq);
      for (let slot = 0; slot < 5; slot++) {
        // The last acknowledged batch that wrote this slot, and the one possibly in flight.
        const lastAcked = acknowledged - ((acknowledged - slot + 5) % 5);
        const a = seqOf(`a${slot}`);
        const b = seqOf(`b${slot}`);
        assert.equal(a, b, `slot ${slot}: a batch was half applied (a=${a}, b=${b})`);
        assert.ok(a >= lastAcked, `slot ${slot}: acknowledged seq ${lastAcked} lost (found ${a})`);
        assert.ok(a <= acknowledged + 1, `slot ${slot}: seq ${a} was never attempted`);
      }
      const tmp = pods.find((p) => p.metadata.name === 'tmp');
      if (tmp) assert.equal(Number(tmp.metadata.annotations?.seq), acknowledged + 1);
      // Every object is whole and the store takes writes again.
      for (const p of pods) assert.equal(p.spec.containers[0]?.image, 'i');
      await store.apply([pod('after-crash')]);
      await store.delete([{ kind: 'Pod', name: 'after-crash' }]);
      await store.close();
    }
  });
});
