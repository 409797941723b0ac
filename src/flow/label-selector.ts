// Label-selector strings (`app=web,env in (a,b),!canary`, `k8s:app=web`, `reserved:world`) → Selector, and flow labels → LabelSet.
import {
  LabelSet,
  type LabelSet as LabelSetType,
  parseLabel,
  type Requirement,
  Selector,
  splitSourceKey,
} from '../labels/index.js';
import { FlowError } from './flow-error.js';

const TOKEN = /\s*(!=|==|=|,|\(|\)|!|[^\s=!,()]+)/y;

function tokenize(s: string, path: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < s.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(s);
    if (!m) {
      if (/^\s*$/.test(s.slice(at))) break;
      throw new FlowError('PORIN_FLOW_FILTER_INVALID', `cannot parse label selector "${s}" at ${at}`, path);
    }
    out.push(m[1]!);
  }
  return out;
}

/**
 * Parses Kubernetes label-selector syntax (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`, comma = AND).
 * A key may carry a Cilium source (`k8s:app`, `reserved:world`); without one it matches any source.
 */
export function parseLabelSelector(text: string, path = 'label'): Selector {
  const t = tokenize(text, path);
  const reqs: Requirement[] = [];
  const bad = (why: string): never => {
    throw new FlowError('PORIN_FLOW_FILTER_INVALID', `invalid label selector "${text}": ${why}`, path);
  };
  let i = 0;
  const isWord = (s: string | undefined) =>
    s !== undefined && !['!=', '==', '=', ',', '(', ')', '!'].includes(s);
  while (i < t.length) {
    let negate = false;
    if (t[i] === '!') {
      negate = true;
      i++;
    }
    const rawKey = t[i];
    if (!isWord(rawKey)) bad('expected a label key');
    i++;
    const { source, key } = splitSourceKey(rawKey!, 'any');
    if (key === '') bad('empty label key');
    const op = t[i];
    if (negate) {
      reqs.push({ source, key, operator: 'DoesNotExist', values: [] });
    } else if (op === '=' || op === '==' || op === '!=') {
      i++;
      const value = isWord(t[i]) ? t[i++]! : '';
      reqs.push({ source, key, operator: op === '!=' ? 'NotIn' : 'In', values: [value] });
    } else if (op === 'in' || op === 'notin') {
      i++;
      if (t[i++] !== '(') bad(`expected ( after ${op}`);
      const values: string[] = [];
      while (t[i] !== ')') {
        if (!isWord(t[i])) bad('expected a value');
        values.push(t[i++]!);
        if (t[i] === ',') i++;
        else if (t[i] !== ')') bad('expected , or )');
      }
      i++;
      if (values.length === 0) bad(`${op} needs at least one value`);
      reqs.push({ source, key, operator: op === 'in' ? 'In' : 'NotIn', values });
    } else {
      reqs.push({ source, key, operator: 'Exists', values: [] });
    }
    if (i < t.length) {
      if (t[i] !== ',') bad(`unexpected "${t[i]}"`);
      i++;
      if (i === t.length) bad('trailing comma');
    }
  }
  return new Selector(reqs);
}

const labelSets = new WeakMap<readonly string[], LabelSetType>();
const EMPTY = new LabelSet([]);

/** A flow endpoint's labels as a LabelSet (cached per array: builders share label arrays between flows). */
export function flowLabelSet(labels: readonly string[] | undefined): LabelSetType {
  if (!labels || labels.length === 0) return EMPTY;
  let set = labelSets.get(labels);
  if (!set) {
    set = new LabelSet(labels.map((l) => parseLabel(l, 'unspec')));
    labelSets.set(labels, set);
  }
  return set;
}
