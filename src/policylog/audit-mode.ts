// Per-policy audit mode: a policy annotated `porin.io/audit-mode: "true"` never drops; what it would drop becomes AUDIT.
//
// Pure: given what matched a connection (as DirectionPolicy.matching() reports it) and the endpoint's
// default-deny state, and which policies are in audit mode, this decides the effective verdict and who
// to name. It imports only the policy engine's types, so it can move into src/policy if the engine calls it.
import type { PolicyRef, RuleOrigin } from '../policy/rule.js';

export const AUDIT_MODE_ANNOTATION = 'porin.io/audit-mode';

/** `porin.io/audit-mode: "true"` (case-insensitive) on the policy object's metadata.annotations. */
export function isAuditMode(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return annotations?.[AUDIT_MODE_ANNOTATION]?.toLowerCase() === 'true';
}

/** An entry that matched the connection (PolicyEntry has this shape). */
export interface MatchedEntry {
  deny: boolean;
  /** L7 rules: the connection is redirected to the proxy rather than plainly allowed. */
  l7?: unknown;
  origins: readonly RuleOrigin[];
}

export interface PolicyDecisionInput {
  /** Every entry matching remote, protocol and port, denies and allows alike. */
  matched: readonly MatchedEntry[];
  /** The endpoint is in default deny for this direction… */
  defaultDeny: boolean;
  /** …because of these policies. */
  defaultDenyBy: readonly PolicyRef[];
  /** Policy does not apply (enforcement never, allow-localhost for host traffic without denies). */
  bypass?: boolean;
}

export interface EffectiveVerdict {
  verdict: 'FORWARDED' | 'REDIRECTED' | 'DROPPED' | 'AUDIT';
  /** For DROPPED: 181 POLICY_DENY (a deny rule) or 133 POLICY_DENIED (default deny). */
  dropReason?: 133 | 181;
  /** Policies whose allow rules let it through (FORWARDED, REDIRECTED, and AUDIT when also allowed). */
  allowedBy: PolicyRef[];
  /** DROPPED: the enforced deny rules' policies. AUDIT: the audit-mode deny rules' policies. */
  deniedBy: PolicyRef[];
  /** DROPPED: the enforced policies putting it in default deny. AUDIT: the audit-mode ones. */
  defaultDeniedBy: PolicyRef[];
  /** AUDIT: every audit-mode policy that would have dropped it. */
  auditedBy: PolicyRef[];
}

function refKey(p: PolicyRef): string {
  return `${p.kind}/${p.namespace ?? ''}/${p.name}`;
}

function uniqueRefs(refs: Iterable<PolicyRef>): PolicyRef[] {
  const seen = new Map<string, PolicyRef>();
  for (const r of refs) {
    const key = refKey(r);
    if (!seen.has(key))
      seen.set(key, { kind: r.kind, ...(r.namespace ? { namespace: r.namespace } : {}), name: r.name });
  }
  return [...seen.values()];
}

/**
 * Deny beats allow, allow beats default deny, as without audit; but a deny entry all of whose origins
 * are audit-mode policies does not deny, and default deny put in place only by audit-mode policies
 * does not drop. A connection that gets through only because of that is AUDIT, naming those policies.
 * An entry merged from an enforced and an audit-mode rule still denies (the enforced rule decides).
 */
export function effectiveVerdict(
  input: PolicyDecisionInput,
  inAuditMode: (policy: PolicyRef) => boolean,
): EffectiveVerdict {
  const out: EffectiveVerdict = {
    verdict: 'FORWARDED',
    allowedBy: [],
    deniedBy: [],
    defaultDeniedBy: [],
    auditedBy: [],
  };
  if (input.bypass) return out;
  const denies = input.matched.filter((e) => e.deny);
  const enforcedDenies = denies.filter((e) => e.origins.some((o) => !inAuditMode(o)));
  if (enforcedDenies.length > 0) {
    out.verdict = 'DROPPED';
    out.dropReason = 181;
    out.deniedBy = uniqueRefs(enforcedDenies.flatMap((e) => e.origins.filter((o) => !inAuditMode(o))));
    return out;
  }
  const auditDenies = uniqueRefs(denies.flatMap((e) => e.origins));
  const allows = input.matched.filter((e) => !e.deny);
  const plain = allows.filter((e) => e.l7 === undefined);
  let auditedDefault: PolicyRef[] = [];
  if (plain.length > 0) {
    out.allowedBy = uniqueRefs(plain.flatMap((e) => e.origins));
  } else if (allows.length > 0) {
    out.verdict = 'REDIRECTED';
    out.allowedBy = uniqueRefs(allows.flatMap((e) => e.origins));
  } else if (input.defaultDeny) {
    const enforced = input.defaultDenyBy.filter((p) => !inAuditMode(p));
    if (enforced.length > 0) {
      out.verdict = 'DROPPED';
      out.dropReason = 133;
      out.defaultDeniedBy = uniqueRefs(enforced);
      return out;
    }
    auditedDefault = uniqueRefs(input.defaultDenyBy);
  }
  if (auditDenies.length > 0 || auditedDefault.length > 0) {
    // Hubble has one AUDIT verdict: a redirect that an audit policy would have denied is reported as AUDIT too.
    out.verdict = 'AUDIT';
    out.deniedBy = auditDenies;
    out.defaultDeniedBy = auditedDefault;
    out.auditedBy = uniqueRefs([...auditDenies, ...auditedDefault]);
  }
  return out;
}
