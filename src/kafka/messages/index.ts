// The request and response layouts Porin knows, by API key.
import type { MessageSpec } from '../message-spec.js';
import {
  API_VERSIONS_REQUEST,
  API_VERSIONS_RESPONSE,
  CREATE_TOPICS_REQUEST,
  CREATE_TOPICS_RESPONSE,
} from './api-versions.js';
import { FETCH_REQUEST, FETCH_RESPONSE } from './fetch.js';
import {
  FIND_COORDINATOR_REQUEST,
  FIND_COORDINATOR_RESPONSE,
  HEARTBEAT_REQUEST,
  HEARTBEAT_RESPONSE,
  JOIN_GROUP_REQUEST,
  JOIN_GROUP_RESPONSE,
  LEAVE_GROUP_REQUEST,
  LEAVE_GROUP_RESPONSE,
  SYNC_GROUP_REQUEST,
  SYNC_GROUP_RESPONSE,
} from './groups.js';
import { LIST_OFFSETS_REQUEST, LIST_OFFSETS_RESPONSE } from './list-offsets.js';
import { METADATA_REQUEST, METADATA_RESPONSE } from './metadata.js';
import {
  OFFSET_COMMIT_REQUEST,
  OFFSET_COMMIT_RESPONSE,
  OFFSET_FETCH_REQUEST,
  OFFSET_FETCH_RESPONSE,
} from './offset-commit.js';
import { PRODUCE_REQUEST, PRODUCE_RESPONSE } from './produce.js';

export interface ApiSpec {
  readonly request: MessageSpec;
  readonly response: MessageSpec;
}

const pairs: ApiSpec[] = [
  { request: PRODUCE_REQUEST, response: PRODUCE_RESPONSE },
  { request: FETCH_REQUEST, response: FETCH_RESPONSE },
  { request: LIST_OFFSETS_REQUEST, response: LIST_OFFSETS_RESPONSE },
  { request: METADATA_REQUEST, response: METADATA_RESPONSE },
  { request: OFFSET_COMMIT_REQUEST, response: OFFSET_COMMIT_RESPONSE },
  { request: OFFSET_FETCH_REQUEST, response: OFFSET_FETCH_RESPONSE },
  { request: FIND_COORDINATOR_REQUEST, response: FIND_COORDINATOR_RESPONSE },
  { request: JOIN_GROUP_REQUEST, response: JOIN_GROUP_RESPONSE },
  { request: HEARTBEAT_REQUEST, response: HEARTBEAT_RESPONSE },
  { request: LEAVE_GROUP_REQUEST, response: LEAVE_GROUP_RESPONSE },
  { request: SYNC_GROUP_REQUEST, response: SYNC_GROUP_RESPONSE },
  { request: API_VERSIONS_REQUEST, response: API_VERSIONS_RESPONSE },
  { request: CREATE_TOPICS_REQUEST, response: CREATE_TOPICS_RESPONSE },
];

export const API_SPECS: ReadonlyMap<number, ApiSpec> = new Map(pairs.map((p) => [p.request.apiKey, p]));

export function apiSpec(apiKey: number): ApiSpec | undefined {
  return API_SPECS.get(apiKey);
}

export * from './api-versions.js';
export * from './fetch.js';
export * from './groups.js';
export * from './list-offsets.js';
export * from './metadata.js';
export * from './offset-commit.js';
export * from './produce.js';
