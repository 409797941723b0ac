// Starts the embedded cluster's controllers together and stops them in reverse order.
import type { ObjectStore } from '../store/index.js';
import type { Controller } from './controller.js';
import { DeploymentController } from './deployment-controller.js';
import { GarbageCollector } from './garbage-collector.js';
import { ServiceController, type ServiceControllerOptions } from './service-controller.js';

export class ControllerManager {
  readonly controllers: readonly Controller[];
  private started = false;

  constructor(store: ObjectStore, options: ServiceControllerOptions = {}) {
    this.controllers = [
      new GarbageCollector(store, options),
      new DeploymentController(store, options),
      new ServiceController(store, options),
    ];
  }

  get running(): boolean {
    return this.started;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const c of this.controllers) c.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const c of [...this.controllers].reverse()) await c.stop();
  }

  /** Resolves once every controller is idle at the same time (their writes wake each other). */
  async idle(): Promise<void> {
    do {
      await Promise.all(this.controllers.map((c) => c.idle()));
      await new Promise((resolve) => setImmediate(resolve));
    } while (this.controllers.some((c) => c.busy));
  }
}
