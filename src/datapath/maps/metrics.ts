// Codecs of porin_metrics and porin_events_lost (bpf/lib/metrics.h, events.h): per-CPU counters.
import { type CodecValue, field, struct, u32 } from '../codec.js';

export const METRICS_MAP = 'porin_metrics';
export const EVENTS_LOST_MAP = 'porin_events_lost';

export const MetricsKeyCodec = u32;
/** Index of a (direction, reason) counter; reason 0 = forwarded. */
export function metricsIndex(direction: number, reason: number): number {
  return direction * 256 + (reason & 0xff);
}

export const MetricsValueCodec = struct('metrics_value', 16, {
  packets: field.u64(0),
  bytes: field.u64(8),
});
export type MetricsValue = CodecValue<typeof MetricsValueCodec>;
