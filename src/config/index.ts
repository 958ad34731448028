// What the other floors may use of config/; everything else in it is its own (docs/architecture.md).
export { loadHarnessConfig, parseHarnessConfig } from './load-config.js';
export { configFileOf, writeConfigSnapshot } from './config-snapshot.js';
