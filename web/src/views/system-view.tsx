/** The runners of the root. */
export function SystemView() {
  return <h1>System</h1>;
}
