// One redirected Kafka connection: judges each request, forwards allowed frames as received, answers denied ones.
import type { Socket } from 'node:net';
import { apiKeyName, encodeResponseFrame, FrameSplitter, KafkaErrorCode } from '../../kafka/index.js';
import type { L7Counter, L7RuleRef, L7Verdict, ProxiedConnection } from '../l7-handler.js';
import { clampApiVersions } from './clamp-api-versions.js';
import { denyResponse } from './deny-response.js';
import { type FetchSessionRef, FetchSessions } from './fetch-sessions.js';
import { type ParsedRequest, parseRequest } from './parse-request.js';
import { responseErrors } from './response-errors.js';
import { ResponseStream } from './response-stream.js';

export interface KafkaProxyOptions {
  /** Largest request frame (default 100 MiB, Kafka's socket.request.max.bytes); bigger closes the connection. */
  readonly maxRequestBytes: number;
  /** Largest response frame (default 1 GiB). */
  readonly maxResponseBytes: number;
  /** How much of each response is kept to read its error codes (default 64 KiB). */
  readonly captureBytes: number;
}

interface Pending {
  readonly req: ParsedRequest;
  readonly topics: readonly string[];
  readonly verdict: L7Verdict['verdict'];
  readonly rules: readonly L7RuleRef[];
  readonly started: bigint;
  readonly fetch?: { readonly ref: FetchSessionRef; readonly topics: readonly string[] };
  /** The proxy answers this one itself: these bytes, or by closing the connection. */
  readonly answer?: Buffer | 'close';
}

export function proxyKafkaConnection(conn: ProxiedConnection, o: KafkaProxyOptions): void {
  const client = conn.client;
  let upstream: Socket | undefined;
  let closed = false;
  let upWait = false;
  let downWait = false;
  /** A malformed request was seen: nothing more is read; answers already owed are delivered, then it closes. */
  let refusing = false;
  const queue: Pending[] = [];
  const sessions = new FetchSessions();
  const requests = new FrameSplitter({ maxFrameBytes: o.maxRequestBytes, minFrameBytes: 8 });

  const shutdown = (counter?: L7Counter) => {
    if (closed) return;
    closed = true;
    if (counter) conn.count(counter);
    client.destroy();
    upstream?.destroy();
  };
  const refuse = (counter: L7Counter) => {
    if (refusing || closed) return;
    refusing = true;
    conn.count(counter);
    client.pause();
    if (queue.length === 0) shutdown();
    else setTimeout(() => shutdown(), 5000).unref();
  };
  const flow = () => {
    if (closed || !upstream) return;
    if (upWait || downWait || refusing) client.pause();
    else client.resume();
    if (downWait) upstream.pause();
    else upstream.resume();
  };
  const toClient = (bufs: readonly Buffer[]) => {
    for (const b of bufs) if (!client.write(b)) downWait = true;
    flow();
  };
  /** Answers the proxy owes that now stand first in line. */
  const takeAnswers = (): Buffer[] => {
    const out: Buffer[] = [];
    while (queue[0]?.answer) {
      const p = queue.shift()!;
      if (p.answer === 'close') {
        // Nothing can be said in this API's language (or acks=0): closing is what a broker does.
        setImmediate(() => shutdown());
        queue.length = 0;
        break;
      }
      out.push(p.answer as Buffer);
    }
    return out;
  };

  const emit = (p: Pending, reply: boolean, errorCode: number, byTopic?: ReadonlyMap<string, number>) => {
    const h = p.req.header;
    const latency = reply ? String(process.hrtime.bigint() - p.started) : undefined;
    for (const topic of p.topics.length > 0 ? p.topics : [undefined]) {
      conn.emit({
        l7: {
          type: reply ? 'RESPONSE' : 'REQUEST',
          ...(latency !== undefined ? { latency_ns: latency } : {}),
          kafka: {
            error_code: (topic !== undefined ? byTopic?.get(topic) : undefined) ?? errorCode,
            api_version: h.apiVersion,
            api_key: apiKeyName(h.apiKey),
            correlation_id: h.correlationId,
            ...(topic !== undefined ? { topic } : {}),
          },
        },
        verdict: p.verdict,
        rules: p.rules,
        time: Date.now(),
        reply,
      });
    }
  };

  const responses = new ResponseStream({
    captureBytes: o.captureBytes,
    maxFrameBytes: o.maxResponseBytes,
    maxRewriteBytes: 1024 * 1024,
    expected: () => {
      const p = queue[0];
      if (!p) return undefined;
      const h = p.req.header;
      return {
        correlationId: h.correlationId,
        ...(h.apiKey === 18 ? { rewrite: (body: Buffer) => void clampApiVersions(body, h.apiVersion) } : {}),
      };
    },
    onResponse: (_size, prefix) => {
      const p = queue.shift()!;
      const h = p.req.header;
      const errors = responseErrors(h.apiKey, h.apiVersion, prefix);
      if (p.fetch && errors.body) sessions.answered(p.fetch.ref, p.fetch.topics, errors.body);
      emit(p, true, errors.errorCode, errors.byTopic);
      const answers = takeAnswers();
      if (refusing && queue.length === 0) setImmediate(() => shutdown());
      return answers;
    },
  });

  const onRequest = (frame: readonly Buffer[]) => {
    const req = parseRequest(frame);
    const h = req.header;
    let topics = req.topics;
    let fetch: Pending['fetch'];
    if (h.apiKey === 1 && req.body) {
      const s = sessions.topicsOf(h.apiVersion, req.body, topics);
      topics = s.topics;
      fetch = s;
    }
    const v = conn.judge({
      type: 'kafka',
      apiKey: h.apiKey,
      apiVersion: h.apiVersion,
      clientId: h.clientId ?? '',
      topics,
    });
    conn.count('requests');
    const base = { req, topics, verdict: v.verdict, rules: v.rules, started: process.hrtime.bigint() };
    if (v.verdict !== 'DROPPED') {
      emit(base, false, 0);
      for (const c of frame) if (!upstream!.write(c)) upWait = true;
      if (!req.noResponse) queue.push({ ...base, ...(fetch ? { fetch } : {}) });
      flow();
      return;
    }
    conn.count('denied');
    let answer: { frame: Buffer; errorCode: number } | undefined;
    if (fetch && fetch.ref.epoch > 0) {
      // A refused incremental fetch ends its session; the client's full fetch then gets the per-topic refusal.
      sessions.forget(fetch.ref.sessionId);
      const code = KafkaErrorCode.FETCH_SESSION_ID_NOT_FOUND;
      answer = {
        frame: encodeResponseFrame(1, h.apiVersion, h.correlationId, { errorCode: code, sessionId: 0 }),
        errorCode: code,
      };
    } else if (!req.noResponse) {
      answer = denyResponse(req, v.deniedTopics ?? topics);
    }
    emit(base, false, answer?.errorCode ?? KafkaErrorCode.TOPIC_AUTHORIZATION_FAILED);
    queue.push({ ...base, answer: answer?.frame ?? 'close' });
    toClient(takeAnswers());
  };

  client.pause();
  client.on('data', (chunk: Buffer) => {
    if (closed || refusing) return;
    try {
      for (const f of requests.push(chunk)) {
        onRequest(f.chunks);
        if (closed || refusing) return;
      }
      if (requests.error) throw requests.error;
    } catch {
      // KafkaProtocolError: bad framing or a malformed body (anything else would be a bug: closed the same way).
      refuse('malformed');
    }
  });
  client.on('drain', () => {
    downWait = false;
    flow();
  });
  client.on('error', () => shutdown());
  client.on('close', () => shutdown());

  conn.connectUpstream().then(
    (sock) => {
      if (closed) {
        sock.destroy();
        return;
      }
      upstream = sock;
      sock.setNoDelay(true);
      sock.on('data', (chunk: Buffer) => {
        if (closed) return;
        let out: Buffer[];
        try {
          out = responses.push(chunk);
        } catch {
          shutdown('upstream-error');
          return;
        }
        toClient(out);
      });
      sock.on('drain', () => {
        upWait = false;
        flow();
      });
      sock.on('error', () => shutdown('upstream-error'));
      sock.on('end', () => client.end());
      sock.on('close', () => {
        if (!closed) {
          closed = true;
          client.end();
        }
      });
      flow();
    },
    () => shutdown('upstream-error'),
  );
}
