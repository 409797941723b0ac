// Per-policy audit mode: would-be drops of audit-mode policies become AUDIT, enforced policies still drop.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PolicyRef, RuleOrigin } from '../policy/rule.js';
import { effectiveVerdict, isAuditMode, type MatchedEntry } from './audit-mode.js';

const ref = (name: string): PolicyRef => ({ kind: 'CiliumNetworkPolicy', namespace: 'prod', name });
const origin = (name: string, section: RuleOrigin['section'] = 'ingress'): RuleOrigin => ({
  ...ref(name),
  section,
  rule: 0,
});
const allow = (...names: string[]): MatchedEntry => ({ deny: false, origins: names.map((n) => origin(n)) });
const deny = (...names: string[]): MatchedEntry => ({
  deny: true,
  origins: names.map((n) => origin(n, 'ingressDeny')),
});
const l7 = (...names: string[]): MatchedEntry => ({
  deny: false,
  l7: [{ type: 'http' }],
  origins: names.map((n) => origin(n)),
});

const audit = new Set(['staged', 'staged-2']);
const inAudit = (p: PolicyRef) => audit.has(p.name);
const names = (ps: PolicyRef[]) => ps.map((p) => p.name);

describe('audit mode', () => {
  test('the annotation', () => {
    assert.ok(isAuditMode({ 'porin.io/audit-mode': 'true' }));
    assert.ok(isAuditMode({ 'porin.io/audit-mode': 'True' }));
    assert.ok(!isAuditMode({ 'porin.io/audit-mode': 'false' }));
    assert.ok(!isAuditMode(undefined));
  });

  test('without audit-mode policies nothing changes: deny > allow > default deny', () => {
    const v = effectiveVerdict(
      { matched: [deny('block'), allow('web')], defaultDeny: true, defaultDenyBy: [ref('web')] },
      inAudit,
    );
    assert.deepEqual([v.verdict, v.dropReason, names(v.deniedBy)], ['DROPPED', 181, ['block']]);
    const a = effectiveVerdict(
      { matched: [allow('web')], defaultDeny: true, defaultDenyBy: [ref('web')] },
      inAudit,
    );
    assert.deepEqual([a.verdict, names(a.allowedBy)], ['FORWARDED', ['web']]);
    const d = effectiveVerdict({ matched: [], defaultDeny: true, defaultDenyBy: [ref('web')] }, inAudit);
    assert.deepEqual([d.verdict, d.dropReason, names(d.defaultDeniedBy)], ['DROPPED', 133, ['web']]);
    const r = effectiveVerdict(
      { matched: [l7('api')], defaultDeny: true, defaultDenyBy: [ref('api')] },
      inAudit,
    );
    assert.deepEqual([r.verdict, names(r.allowedBy)], ['REDIRECTED', ['api']]);
  });

  test('an audit-mode deny rule does not drop: AUDIT, naming it, and the allow that let it through', () => {
    const v = effectiveVerdict(
      { matched: [deny('staged'), allow('web')], defaultDeny: true, defaultDenyBy: [ref('web')] },
      inAudit,
    );
    assert.equal(v.verdict, 'AUDIT');
    assert.deepEqual(names(v.deniedBy), ['staged']);
    assert.deepEqual(names(v.auditedBy), ['staged']);
    assert.deepEqual(names(v.allowedBy), ['web']);
  });

  test('default deny only from audit-mode policies: AUDIT, not dropped', () => {
    const v = effectiveVerdict(
      { matched: [], defaultDeny: true, defaultDenyBy: [ref('staged'), ref('staged-2')] },
      inAudit,
    );
    assert.equal(v.verdict, 'AUDIT');
    assert.equal(v.dropReason, undefined);
    assert.deepEqual(names(v.defaultDeniedBy), ['staged', 'staged-2']);
  });

  test('an enforced policy still drops, even next to an audit-mode one', () => {
    const v = effectiveVerdict(
      { matched: [], defaultDeny: true, defaultDenyBy: [ref('staged'), ref('prod-deny')] },
      inAudit,
    );
    assert.deepEqual([v.verdict, v.dropReason, names(v.defaultDeniedBy)], ['DROPPED', 133, ['prod-deny']]);
    const merged = effectiveVerdict(
      {
        matched: [{ deny: true, origins: [origin('staged', 'ingressDeny'), origin('block', 'ingressDeny')] }],
        defaultDeny: false,
        defaultDenyBy: [],
      },
      inAudit,
    );
    assert.deepEqual([merged.verdict, names(merged.deniedBy)], ['DROPPED', ['block']]);
    const auditDenyThenDefault = effectiveVerdict(
      { matched: [deny('staged')], defaultDeny: true, defaultDenyBy: [ref('prod-deny')] },
      inAudit,
    );
    assert.deepEqual([auditDenyThenDefault.verdict, auditDenyThenDefault.dropReason], ['DROPPED', 133]);
  });

  test('an audit-mode policy allow rules still allow', () => {
    const v = effectiveVerdict(
      { matched: [allow('staged')], defaultDeny: true, defaultDenyBy: [ref('staged')] },
      inAudit,
    );
    assert.deepEqual([v.verdict, names(v.allowedBy), v.auditedBy.length], ['FORWARDED', ['staged'], 0]);
  });

  test('bypass (enforcement never, allow-localhost) forwards', () => {
    assert.equal(
      effectiveVerdict(
        { matched: [deny('block')], defaultDeny: true, defaultDenyBy: [], bypass: true },
        inAudit,
      ).verdict,
      'FORWARDED',
    );
  });
});
