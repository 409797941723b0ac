// Public surface of src/cni for the rest of Porin (the plugin binary itself starts at main.ts).
export { CniChainError, type CniChainErrorCode } from './chain-error.js';
export { CNI_CODE, CniError } from './cni-error.js';
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
export { linkPorinPlugin, porinCniBinary } from './porin-plugin-path.js';
export { hostVethName, vethIdentity } from './veth-names.js';
