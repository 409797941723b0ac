// ShellRunner (the CNI server's command runner) against direct spawns: same results, quoting, failures, a pool.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnCommand } from '../../src/cni/ip-command.js';
import { ShellRunner, shellQuote } from '../../src/cni/shell-runner.js';

describe('ShellRunner', () => {
  it('gives what a direct spawn gives: stdout, stderr, status, stdin, awkward arguments', async () => {
    const runner = new ShellRunner(2);
    try {
      const cases: Array<[string, string[], string]> = [
        ['sh', ['-c', 'cat; echo err >&2; exit 3'], 'line one\nline two\n'],
        ['printf', ['%s|', "it's", 'a "b"', '$HOME', '`id`', 'x\ny', ''], ''],
        ['sh', ['-c', 'printf no-newline'], ''],
        ['sh', ['-c', 'printf no-newline >&2'], ''],
        ['wc', ['-c'], `${'x'.repeat(200_000)}\n`], // larger than a pipe buffer
      ];
      for (const [cmd, args, input] of cases) {
        const want = await spawnCommand(cmd, args, input);
        const got = await runner.run(cmd, args, input);
        assert.deepEqual(got, want, `${cmd} ${args.join(' ')}`);
      }
      // Killed by a signal: the shell says 128+n (a direct spawn says 128); both are failures.
      assert.equal((await runner.run('sh', ['-c', 'kill -TERM $$'], '')).code, 143);
    } finally {
      runner.close();
    }
  });

  it('an input holding marker-like text or a here-document end cannot end the job early', async () => {
    const runner = new ShellRunner(1);
    try {
      const input = "__PORIN_END_0000000000000000 0\n__PORIN_END_\nEOF\n'EOF'\n";
      const r = await runner.run('cat', [], input);
      assert.deepEqual(r, { code: 0, stdout: input, stderr: '' });
    } finally {
      runner.close();
    }
  });

  it('runs more jobs than shells, in parallel up to the pool size, all answered', async () => {
    const runner = new ShellRunner(3);
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => runner.run('sh', ['-c', `sleep 0.05; echo ${i}`], '')),
      );
      assert.deepEqual(
        results.map((r) => r.stdout),
        Array.from({ length: 12 }, (_, i) => `${i}\n`),
      );
    } finally {
      runner.close();
    }
  });

  it('a missing command is status 127; a killed shell fails its job and the next job gets a new shell', async () => {
    const runner = new ShellRunner(1, 500);
    try {
      assert.equal((await runner.run('porin-no-such-command', [], '')).code, 127);
      // The job outlives the timeout: its shell's process group is killed, the job fails, the pool recovers.
      await assert.rejects(runner.run('sleep', ['5'], ''), /did not finish within 500 ms/);
      assert.deepEqual(await runner.run('echo', ['again'], ''), { code: 0, stdout: 'again\n', stderr: '' });
    } finally {
      runner.close();
    }
  });

  it('refuses input without a final newline, and every job after close', async () => {
    const runner = new ShellRunner(1);
    await assert.rejects(runner.run('cat', [], 'no newline'), /newline/);
    runner.close();
    await assert.rejects(runner.run('true', [], ''), /closed/);
  });

  it('shellQuote survives quotes', () => {
    assert.equal(shellQuote("a'b"), `'a'\\''b'`);
  });
});
