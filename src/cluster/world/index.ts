// The embedded cluster's outside world: ExternalHost objects → a world namespace with DNS and echo servers.
export {
  DEFAULT_WORLD_TTL,
  type WorldHost,
  type WorldListenerSpec,
  type WorldServerConfig,
  worldAddresses,
  worldConfig,
  worldListeners,
  worldRecords,
} from './world-config.js';
export { WorldController, type WorldControllerOptions, type WorldState } from './world-controller.js';
export {
  readWorldStatus,
  runningWorldPid,
  type WorldProcessPaths,
  worldProcessPaths,
} from './world-process.js';
export { WorldServer, type WorldServerStatus } from './world-server.js';
