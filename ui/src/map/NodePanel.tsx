// The panel of a selected node: what it groups (pods or addresses), its labels, and where to go from it.
import type { GraphNode } from '../api/types.js';
import { nodeSubtitle } from './map-shapes.js';

export function NodePanel({
  node,
  onClose,
  onShowFlows,
  onGenerate,
}: {
  node: GraphNode;
  onClose(): void;
  onShowFlows(node: GraphNode): void;
  onGenerate?(node: GraphNode): void;
}) {
  const isPods =
    node.kind === 'workload' || node.kind === 'label' || node.kind === 'pod' || node.kind === 'kube-dns';
  return (
    <aside className="detail-panel" aria-label="Node details" data-testid="node-panel">
      <header>
        <h3>{node.name}</h3>
        <button type="button" onClick={onClose} aria-label="Close the node details">
          ×
        </button>
      </header>
      <p className="muted">
        {nodeSubtitle(node)}
        {node.namespace ? ` · namespace ${node.namespace}` : ''}
      </p>
      {node.labels.length > 0 && (
        <p className="labels">
          {node.labels.map((l) => (
            <code key={l}>{l}</code>
          ))}
        </p>
      )}
      <h4>{isPods ? 'Pods' : 'Addresses'}</h4>
      <ul className="members">
        {node.memberNames.map((m) => (
          <li key={m}>{m}</li>
        ))}
        {node.members > node.memberNames.length && (
          <li className="muted">… and {node.members - node.memberNames.length} more</li>
        )}
      </ul>
      <div className="actions">
        <button type="button" onClick={() => onShowFlows(node)}>
          Show its flows
        </button>
        {onGenerate && node.kind === 'workload' ? (
          <button type="button" onClick={() => onGenerate(node)}>
            Generate a policy from its traffic
          </button>
        ) : onGenerate && isPods ? (
          <button type="button" onClick={() => onGenerate(node)}>
            Generate a policy from its traffic
          </button>
        ) : null}
      </div>
    </aside>
  );
}
