// The login page is served before anyone has a session, so it stands alone: no script, no
// bundle, its CSS inline (the CSP below allows nothing else), light and dark like the dashboard.
const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --panel: #fff; --text: #1b1f24; --muted: #57606a; --border: #c9d1d9; --accent: #0b5cad; --error: #b42318; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #9da7b3; --border: #3d444d; --accent: #58a6ff; --error: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--text); font: 16px/1.5 system-ui, sans-serif; }
main { width: min(24rem, 92vw); padding: 2rem; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; }
h1 { margin: 0 0 .25rem; font-size: 1.25rem; }
p { margin: 0 0 1rem; color: var(--muted); }
label { display: block; margin-bottom: .25rem; font-weight: 600; }
input { width: 100%; padding: .5rem; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--border); border-radius: 4px; }
button { margin-top: 1rem; width: 100%; padding: .5rem; font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 4px; cursor: pointer; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { color: var(--error); font-weight: 600; }
code { white-space: nowrap; }
`;

/** What the login page's Content-Security-Policy header says: its own inline style, a form that posts here, nothing more. */
export const LOGIN_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The login page: one field for the server's token; `error` says why the last try was refused. */
export function loginPage(error?: string): string {
  const described = error ? ' aria-describedby="login-error" aria-invalid="true"' : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · harness-mcp</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>harness-mcp</h1>
<p>This dashboard needs the server's token (<code>HARNESS_MCP_TOKEN</code> or <code>--token-file</code>).</p>
${error ? `<p class="error" id="login-error" role="alert">${escapeHtml(error)}</p>\n` : ''}<form method="post" action="/login">
<label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus${described}>
<button type="submit">Log in</button>
</form>
</main>
</body>
</html>
`;
}
