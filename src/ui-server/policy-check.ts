// The editor's check: validation by src/resources here (no agent needed), then the agent's lint and selected pods when it answers.
import type { AgentClient } from '../api/agent-client.js';
import type { Advice, CheckIssue, CheckResponse, SelectedEndpoint } from '../insight/insight-types.js';
import { validateResource } from '../resources/index.js';

const POLICY_KINDS = new Set(['NetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy']);

export async function checkPolicy(object: unknown, agent: AgentClient | undefined): Promise<CheckResponse> {
  const r = validateResource(object, { source: { file: 'editor', document: 1 }, namespace: 'default' });
  const issues: CheckIssue[] = r.issues.map((i) => ({
    severity: i.severity,
    path: i.path,
    message: i.message,
  }));
  const kind = (object as { kind?: unknown } | null)?.kind;
  if (r.object && !POLICY_KINDS.has(r.object.kind)) {
    issues.push({
      severity: 'error',
      path: 'kind',
      message: `the editor writes NetworkPolicy and CiliumNetworkPolicy objects, not ${String(kind)}`,
    });
  }
  const out: CheckResponse = { issues, advice: [], agent: false };
  if (!r.object || issues.some((i) => i.severity === 'error')) return out;
  out.object = r.object as unknown as Record<string, unknown>;
  if (!agent) return out;
  try {
    const lint = await agent.request<{ advice: Advice[]; selected: SelectedEndpoint[] }>(
      'POST',
      '/v1/policy/lint',
      {
        policy: r.object,
      },
    );
    out.advice = lint.advice;
    out.selected = lint.selected;
    out.agent = true;
  } catch {
    // No agent (or an older one): validation alone.
  }
  return out;
}
