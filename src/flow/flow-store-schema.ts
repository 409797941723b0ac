// The flow database's tables: dictionaries, segment summaries and flows (one row per flow, see flow-row.ts).
import { FLOW_COLUMNS } from './flow-row.js';

/** PRAGMA user_version of databases this code writes; a newer one is refused. */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS endpoints (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  identity INTEGER NOT NULL,
  namespace TEXT NOT NULL,
  pod_name TEXT NOT NULL,
  workloads TEXT
);
CREATE TABLE IF NOT EXISTS endpoint_labels (
  ep INTEGER NOT NULL,
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS endpoint_labels_ep ON endpoint_labels (ep, key);
CREATE TABLE IF NOT EXISTS policy_lists (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS segments (
  id INTEGER PRIMARY KEY,
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL,
  min_time INTEGER NOT NULL,
  max_time INTEGER NOT NULL,
  verdict_mask INTEGER NOT NULL,
  l4_mask INTEGER NOT NULL,
  event_mask INTEGER NOT NULL,
  has_non_v4 INTEGER NOT NULL,
  indexes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS attributions (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS flows (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  uuid TEXT,
  src_ep INTEGER NOT NULL,
  dst_ep INTEGER NOT NULL,
  src_ip BLOB,
  dst_ip BLOB,
  src_port INTEGER,
  dst_port INTEGER,
  m1 INTEGER NOT NULL,
  m2 INTEGER NOT NULL,
  drop_code INTEGER,
  event INTEGER,
  ifindex INTEGER,
  node_name TEXT,
  pol INTEGER,
  l7 TEXT,
  extra TEXT
);
`;

/** The columns a query reads (time_ns split in two so that it stays exact in a double). */
export const SELECT_COLUMNS = `${FLOW_COLUMNS.filter((c) => c !== 'time_ns')
  .map((c) => `f.${c}`)
  .join(', ')}, f.time_ns / 1000000000 AS time_s, f.time_ns % 1000000000 AS time_frac`;
