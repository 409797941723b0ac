// Built-in container programs (serve, deathstar, kafka, grpc-echo, idle) and the mapping from a container to its process.
export { type AgnhostMapping, agnhostMapping } from './agnhost-args.js';
export {
  DEATHSTAR_INFO,
  DEATHSTAR_LANDED,
  DEATHSTAR_PANIC,
  type DeathstarOptions,
  EXPLODE_DELAY_MS,
  startDeathstar,
} from './deathstar.js';
export { type GrpcEchoOptions, startGrpcEcho } from './grpc-echo.js';
export {
  ECHO_SERVICE,
  GRPC_ECHO_PROTO_FILES,
  grpcEchoPackageDefinition,
  HEALTH_SERVICE,
  protosDir,
} from './grpc-protos.js';
export { startIdle } from './idle.js';
export { type ImageRef, parseImageRef } from './image-ref.js';
export {
  type BrokerEnvResult,
  brokerOptionsFromEnv,
  type KafkaBrokerOptions,
} from './kafka/broker-options.js';
export { BROKER_API_VERSIONS, type KafkaBroker, startKafkaBroker } from './kafka/kafka-broker.js';
export { parseWorkloadArgs, WORKLOAD_USAGE, type WorkloadArgs } from './parse-workload-args.js';
export type { Listener, PodIdentity, RunningWorkload, WorkloadKind } from './running-workload.js';
export { type EchoReport, type ServeOptions, startServe } from './serve.js';
export { WorkloadError, type WorkloadErrorCode } from './workload-error.js';
export {
  type ContainerWorkload,
  findProgram,
  type WorkloadMappingOptions,
  workloadForContainer,
} from './workload-for-container.js';
