// The protos of the built-in gRPC workload (repo `protos/`): grpc.health.v1 and porin.echo.v1, loaded for grpc-js.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';

export const GRPC_ECHO_PROTO_FILES = ['grpc/health/v1/health.proto', 'porin/echo/v1/echo.proto'] as const;
export const ECHO_SERVICE = 'porin.echo.v1.Echo';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** The repository's `protos/` directory, from the built module (dist/src/…) or the source tree (src/…). */
export function protosDir(): string {
  for (const rel of ['../../../../protos/', '../../../protos/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}porin/echo/v1/echo.proto`)) return dir;
  }
  throw new Error('protos/ not found next to the Porin installation');
}

let cached: PackageDefinition | undefined;

/** Both services' definitions (field names in lowerCamelCase, enums as strings, defaults filled in). */
export function grpcEchoPackageDefinition(): PackageDefinition {
  cached ??= loadSync([...GRPC_ECHO_PROTO_FILES], {
    includeDirs: [protosDir()],
    enums: String,
    defaults: true,
    longs: Number,
  });
  return cached;
}
