// The dashboard's places, as hash routes so the server serves one page for all of them.
export type Route =
  | { view: 'batches' }
  | { view: 'batch'; batchId: string }
  | { view: 'step'; batchId: string; jobId: string; stepId: string }
  | { view: 'system' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'system') return { view: 'system' };
  if (parts[0] === 'batch' && parts[1]) {
    if (parts[2] === 'step' && parts[3] && parts[4]) return { view: 'step', batchId: parts[1], jobId: parts[3], stepId: parts[4] };
    return { view: 'batch', batchId: parts[1] };
  }
  return { view: 'batches' };
}

export function hrefOf(route: Route): string {
  const e = encodeURIComponent;
  switch (route.view) {
    case 'batches':
      return '#/';
    case 'system':
      return '#/system';
    case 'batch':
      return `#/batch/${e(route.batchId)}`;
    case 'step':
      return `#/batch/${e(route.batchId)}/step/${e(route.jobId)}/${e(route.stepId)}`;
  }
}
