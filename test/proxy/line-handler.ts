// A test-only protocol handler: each line "METHOD PATH" is one request, judged like HTTP; allowed lines go upstream.
import type { Socket } from 'node:net';
import type { L7Handler, ProxiedConnection } from '../../src/proxy/l7-handler.js';

/*
 * Denied: the client gets "403 Access denied" and the connection stays usable. Allowed (or AUDIT): the line
 * goes to the server (one upstream connection, opened on the first allowed request) and its answer line
 * comes back. REQUEST and RESPONSE events carry the line as an HTTP method/url.
 */
export const handleLines: L7Handler = (conn: ProxiedConnection) => {
  let upstream: Promise<Socket> | undefined;
  let buf = '';
  const answers: Array<(line: string) => void> = [];
  const client = conn.client;
  const fail = () => {
    client.destroy();
    void upstream?.then(
      (s) => s.destroy(),
      () => {},
    );
  };
  client.on('error', fail);
  const up = () => {
    upstream ??= conn.connectUpstream().then((s) => {
      let ubuf = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => {
        ubuf += d;
        for (let i = ubuf.indexOf('\n'); i >= 0; i = ubuf.indexOf('\n')) {
          answers.shift()?.(ubuf.slice(0, i));
          ubuf = ubuf.slice(i + 1);
        }
      });
      s.on('error', fail);
      s.on('close', () => client.end());
      return s;
    });
    return upstream;
  };
  let chain = Promise.resolve();
  client.setEncoding('utf8');
  client.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      chain = chain.then(() => serve(line)).catch(fail);
    }
  });
  const serve = async (line: string) => {
    const [method = '', path = '/'] = line.split(' ');
    const started = process.hrtime.bigint();
    const http = { method, url: path, protocol: 'LINE/1' };
    const v = conn.judge({ type: 'http', method, path, host: '', headers: [] });
    conn.count('requests');
    conn.emit({
      l7: { type: 'REQUEST', http },
      verdict: v.verdict,
      rules: v.rules,
      time: Date.now(),
      reply: false,
    });
    if (v.verdict === 'DROPPED') {
      conn.count('denied');
      client.write('403 Access denied\n');
      conn.emit({
        l7: { type: 'RESPONSE', http: { ...http, code: 403 } },
        verdict: 'DROPPED',
        rules: v.rules,
        time: Date.now(),
        reply: true,
      });
      return;
    }
    const s = await up();
    const answer = await new Promise<string>((resolve) => {
      answers.push(resolve);
      s.write(`${line}\n`);
    });
    client.write(`${answer}\n`);
    const latency = String(process.hrtime.bigint() - started);
    conn.emit({
      l7: { type: 'RESPONSE', latency_ns: latency, http: { ...http, code: 200 } },
      verdict: v.verdict,
      rules: v.rules,
      time: Date.now(),
      reply: true,
    });
  };
};
