export * from './load-config.js';
export * from './config-snapshot.js';
export * from './secrets.js';
