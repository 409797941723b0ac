// The maps the load-balancer reconciler owns, as contracts (kernel maps or in-memory fakes).
import {
  FakeMaglevTables,
  FakeMap,
  type KeyValueMap,
  type Lb4Backend,
  Lb4BackendCodec,
  type Lb4Key,
  Lb4KeyCodec,
  type Lb4ReverseNat,
  Lb4ReverseNatCodec,
  type Lb4Service,
  Lb4ServiceCodec,
  type LbAffinityMatch,
  LbAffinityMatchCodec,
  type MaglevTables,
  type MapOp,
  RevNatKeyCodec,
  U8Codec,
  u32,
} from '../datapath/index.js';

export interface LbMapSet {
  readonly services: KeyValueMap<Lb4Key, Lb4Service>;
  readonly backends: KeyValueMap<number, Lb4Backend>;
  readonly reverseNat: KeyValueMap<number, Lb4ReverseNat>;
  readonly affinityMatch: KeyValueMap<LbAffinityMatch, number>;
  readonly maglev: MaglevTables;
}

/** In-memory maps with the kernel's names and sizes; `log` records every write in order. */
export function fakeLbMaps(
  opts: { tableSize?: number; capacity?: number; backendCapacity?: number; log?: MapOp[] } = {},
): LbMapSet {
  const log = opts.log;
  const cap = opts.capacity ?? 65536;
  return {
    services: new FakeMap('porin_lb4_services', cap, Lb4KeyCodec, Lb4ServiceCodec, { log }),
    backends: new FakeMap('porin_lb4_backends', opts.backendCapacity ?? cap, u32, Lb4BackendCodec, { log }),
    reverseNat: new FakeMap('porin_lb4_reverse_nat', cap, RevNatKeyCodec, Lb4ReverseNatCodec, { log }),
    affinityMatch: new FakeMap('porin_lb_affinity_match', cap, LbAffinityMatchCodec, U8Codec, { log }),
    maglev: new FakeMaglevTables(opts.tableSize ?? 251, log),
  };
}
