export { Harness, type HarnessOptions, type LogLevel, type LogListener } from './harness.js';
