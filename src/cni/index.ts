// Public surface of src/cni for the rest of Porin (the thin plugin is porin-cni.c; its server starts at server-main.ts).
export { CniChainError, type CniChainErrorCode } from './chain-error.js';
export { CNI_CODE, CniError } from './cni-error.js';
export { CniServer, type CniServerOptions } from './cni-server.js';
export type { CniAttachment, CniDns, CniInterface, CniIpConfig, CniResult, CniRoute } from './cni-types.js';
export { CURRENT_CNI_VERSION, SUPPORTED_CNI_VERSIONS } from './cni-version.js';
export { type PluginExec, type PluginExecResult, spawnPluginExec } from './exec-plugin.js';
export {
  type CniChainCommand,
  type CniConflist,
  type CniPluginConf,
  type CniRuntimeConf,
  invokeCniChain,
} from './invoke-chain.js';
export { type PorinConflistOptions, porinConflist } from './porin-conflist.js';
export { linkPorinPlugin, porinCniBinary, porinCniServerEntry } from './porin-plugin-path.js';
export { CNI_SERVER_USAGE, serveCni } from './server-main.js';
export { hostVethName, vethIdentity } from './veth-names.js';
