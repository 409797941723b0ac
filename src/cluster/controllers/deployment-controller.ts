// Keeps each Deployment's pods (count, template, owner) as planDeployment decides, and its status.
import type { Deployment, Pod, Resource } from '../../resources/index.js';
import { canonicalJson, type ObjectStore, type Unsubscribe } from '../store/index.js';
import { type Controller, type ControllerOptions, logToStderr } from './controller.js';
import { namespacedKey, splitKey } from './object-keys.js';
import { planDeployment } from './plan-deployment.js';
import { WorkQueue } from './work-queue.js';

export class DeploymentController implements Controller {
  readonly name = 'deployment-controller';
  private readonly queue: WorkQueue;
  private unsubscribe: Unsubscribe[] = [];

  constructor(
    private readonly store: ObjectStore,
    options: ControllerOptions = {},
  ) {
    const onError = options.onError ?? logToStderr;
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      ...options,
      onError: (key, e) => onError(this.name, key, e),
    });
  }

  start(): void {
    this.unsubscribe.push(
      this.store.watch({ kind: 'Deployment' }, undefined, (e) => this.queue.add(namespacedKey(e.object))),
      this.store.watch({ kind: 'Pod' }, undefined, (e) => {
        const owner = controllingDeployment(e.object);
        if (owner) this.queue.add(`${e.object.metadata.namespace}/${owner}`);
      }),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    await this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.settle();
  }

  get busy(): boolean {
    return this.queue.busy;
  }

  /** Reads fresh state, plans, creates before it deletes, then reports status. */
  async reconcile(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const deployment = (await this.store.get('Deployment', namespace, name)) as Deployment | undefined;
    if (!deployment) return; // its pods are the garbage collector's
    const pods = (await this.store.list('Pod', namespace)).items as Pod[];
    const plan = planDeployment(deployment, pods);
    if (plan.create.length > 0) await this.store.apply(plan.create);
    if (plan.delete.length > 0) {
      await this.store.delete(
        plan.delete.map((p) => ({ kind: 'Pod' as const, namespace, name: p.metadata.name })),
        { ignoreNotFound: true },
      );
    }
    const status = (deployment as Deployment & { status?: unknown }).status;
    if (canonicalJson(status) !== canonicalJson(plan.status)) {
      await this.store.updateStatus('Deployment', namespace, name, plan.status);
    }
  }
}

function controllingDeployment(o: Resource): string | undefined {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === 'Deployment');
  return ref?.name;
}
