export * from './server.js';
export * from './http/http-server.js';
