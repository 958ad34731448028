/**
 * The largest JSON-RPC message the server reads, on stdio and over HTTP, in bytes: a launch
 * table may weigh limits.max_launch_table_bytes, and its envelope (the tools/call around it)
 * needs a little more.
 */
export function maxMessageBytes(maxLaunchTableBytes: number): number {
  return maxLaunchTableBytes + 64 * 1024;
}
