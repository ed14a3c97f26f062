export * from './types.js';
export { env } from './env.js';
export { loadClusterConfig, loadWorkspaceConfig } from './load.js';
export { ConfigError, formatIssue, isConfigError } from './issues.js';
export { mergeConfig, mergeAll, deepCopy, isPlainObject, type PlainObject } from './merge.js';
export { parseMemory, formatMemory } from '../core/units.js';
export { stableStringify, sha1Hex } from './hash.js';
export {
  builtInCommands,
  packageUrlOf,
  packageInstallCommand,
  packageInstallTarget,
  isPythonWheel,
  type BuiltInCommands,
  type BuiltInCommandsInput,
  type CommandLists,
} from './built-in-commands.js';
export {
  mergeCommands,
  needsOwnCommands,
  CLOUDTIK_GROUP,
  USER_GROUP,
  COMMAND_KEYS,
  NODE_TYPE_COMMAND_KEYS,
  MERGED_COMMAND_KEYS,
  type MergeCommandsOptions,
  type RuntimeCommands,
  type MergedCommandKey,
} from './commands.js';
export { knownRuntimes } from './runtime-registry.js';
export { knownProviderTypes, templateRoots } from './inherit.js';
export { checkSchema, loadSchema, type SchemaName, type SchemaStage } from './schema-check.js';
export {
  parseYamlSource,
  positionOf,
  formatPath,
  type YamlSource,
  type KeyPath,
  type SourcePosition,
} from './yaml-source.js';
export { assetDir } from './paths.js';
