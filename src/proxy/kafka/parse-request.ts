// Reads one client request frame: its header, and for the APIs that name topics, the topics (bodies are not copied).
import {
  apiSpec,
  ByteReader,
  decodeMessage,
  inRange,
  type KafkaStruct,
  nstr,
  num,
  type RequestHeader,
  readRequestHeader,
  skipRequestHeaderTags,
  str,
  structs,
} from '../../kafka/index.js';

export interface ParsedRequest {
  readonly header: RequestHeader;
  /** The decoded body, when Porin knows this API and version (records are skipped, not copied). */
  readonly body?: KafkaStruct;
  /** Topic names the request addresses; a topic given only by id reads `topic-id:<hex>` (no rule names it). */
  readonly topics: string[];
  /** Produce with acks=0: the broker sends no response. */
  readonly noResponse: boolean;
}

const byId = (s: KafkaStruct) => `topic-id:${str(s, 'topicId')}`;

function topicNames(apiKey: number, version: number, body: KafkaStruct): string[] {
  const names = (list: KafkaStruct[] | null, field: string, idFrom = Number.POSITIVE_INFINITY) =>
    (list ?? []).map((t) => (version >= idFrom ? byId(t) : str(t, field)));
  switch (apiKey) {
    case 0:
      return names(structs(body, 'topicData'), 'name', 13);
    case 1:
      return names(structs(body, 'topics'), 'topic', 13);
    case 2:
    case 8:
    case 19:
      return names(structs(body, 'topics'), 'name');
    case 3:
      return (structs(body, 'topics') ?? []).map((t) => nstr(t, 'name') ?? byId(t));
    case 9:
      if (version < 8) return names(structs(body, 'topics'), 'name');
      return (structs(body, 'groups') ?? []).flatMap((g) => names(structs(g, 'topics'), 'name'));
    default:
      return [];
  }
}

/**
 * Parses a request frame (size prefix included). Throws KafkaProtocolError on malformed bytes. An API or version
 * Porin has no layout for yields no body and no topics: a topic rule never allows such a request.
 */
export function parseRequest(frame: readonly Buffer[]): ParsedRequest {
  const r = new ByteReader(frame);
  r.skip(4);
  const header = readRequestHeader(r);
  const spec = apiSpec(header.apiKey);
  if (!spec || !inRange(spec.request.valid, header.apiVersion)) {
    return { header, topics: [], noResponse: false };
  }
  skipRequestHeaderTags(r, header.apiVersion >= spec.request.flexible);
  const body = decodeMessage(spec.request, header.apiVersion, r);
  const topics = [...new Set(topicNames(header.apiKey, header.apiVersion, body))];
  return { header, body, topics, noResponse: header.apiKey === 0 && num(body, 'acks') === 0 };
}
