export * from './scheduler.js';
export * from './requests.js';
export * from './recovery.js';
export * from './runner-health.js';
export * from './collect-garbage.js';
export * from './health-monitor.js';
