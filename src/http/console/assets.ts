import { createHash } from 'node:crypto';

/*
 * The console's one stylesheet. It lives in a module rather than a .css file
 * so that tsx, the tests and the compiled dist/ (the only thing the Docker
 * image ships) all serve the same bytes without a copy step. No framework:
 * system fonts, a readable measure, tables that scroll sideways on a phone,
 * and a focus ring on everything that takes focus.
 */
const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #fff; --panel: #f6f8fa; --line: #d0d7de;
  --link: #0550ae; --focus: #bf3989; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --idle: #6e7781;
  --daily: #0969da; --weekly: #8250df; --monthly: #bc4c00; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --panel: #161b22; --line: #30363d; --link: #6cb6ff;
    --focus: #f778ba; --ok: #3fb950; --warn: #d29922; --bad: #f85149; --idle: #8b949e;
    --daily: #58a6ff; --weekly: #bc8cff; --monthly: #f0883e; }
}
* { box-sizing: border-box; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: var(--bg); padding: .25rem .5rem; z-index: 1; }
header.site { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: baseline; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.site .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header.site nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
header.site nav a[aria-current="page"] { font-weight: 700; text-decoration: none; }
header.site form { margin-left: auto; }
main { padding: 1rem; max-width: 90rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.muted, .hint { color: var(--muted); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
pre { background: var(--panel); border: 1px solid var(--line); padding: .75rem; overflow: auto; max-height: 32rem; white-space: pre-wrap; word-break: break-word; }
.scroll { overflow-x: auto; border: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid var(--line); }
thead th { background: var(--panel); position: sticky; top: 0; }
tbody th[scope="rowgroup"] { white-space: nowrap; }
caption { text-align: left; padding: .35rem .6rem; color: var(--muted); }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: 0 0 1rem; padding: 0; }
.counts div { border: 1px solid var(--line); background: var(--panel); padding: .35rem .75rem; }
.counts dt { font-size: .8rem; color: var(--muted); }
.counts dd { margin: 0; font-weight: 700; font-size: 1.1rem; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; }
label { display: block; font-weight: 600; font-size: .9rem; }
input, select, textarea, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); padding: .35rem .5rem; }
button { background: var(--panel); cursor: pointer; font-weight: 600; }
textarea { width: 100%; min-height: 16rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.status { display: inline-block; font-weight: 600; padding: 0 .4rem; border: 1px solid currentColor; white-space: nowrap; }
.status::before { margin-right: .25rem; }
.status-scheduled { color: var(--ok); } .status-scheduled::before { content: "\\2713"; }
.status-idle { color: var(--idle); } .status-idle::before { content: "\\2013"; }
.status-skipped { color: var(--warn); } .status-skipped::before { content: "\\26A0"; }
.status-invalid { color: var(--bad); } .status-invalid::before { content: "\\2717"; }
.diag { color: var(--bad); } .diag.warning { color: var(--warn); }
.notice { border-left: 4px solid var(--warn); background: var(--panel); padding: .5rem .75rem; }
.notice.bad { border-color: var(--bad); } .notice.ok { border-color: var(--ok); }
table.source { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
table.source th { width: 3.5rem; text-align: right; color: var(--muted); font-weight: 400; user-select: none; border: 0; padding: 0 .6rem; }
table.source td { border: 0; padding: 0 .6rem; white-space: pre-wrap; word-break: break-word; }
table.source tr.flagged td.code { background: color-mix(in srgb, var(--bad) 12%, transparent); }
table.source tr.note td { padding: .15rem .6rem .35rem; font-family: system-ui, sans-serif; }
.timeline { overflow-x: auto; border: 1px solid var(--line); }
.timeline svg { display: block; min-width: 56rem; width: 100%; height: auto; font: 11px system-ui, sans-serif; }
.timeline .day { stroke: var(--line); }
.timeline .day-label, .timeline .repo-label { fill: var(--fg); }
.timeline .row { stroke: var(--line); stroke-dasharray: 2 3; fill: none; }
.timeline .now { stroke: var(--bad); stroke-width: 2; }
.timeline .now-label { fill: var(--bad); font-weight: 700; }
.timeline .mark { stroke: var(--bg); stroke-width: 1; }
.cadence-daily { fill: var(--daily); } .cadence-weekly { fill: var(--weekly); } .cadence-monthly { fill: var(--monthly); }
figure.timeline-figure { margin: 0; }
.pager { margin: .5rem 0; display: flex; gap: 1rem; }
.legend { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; margin: .5rem 0; font-size: .9rem; }
.legend svg { vertical-align: middle; }
details { margin: .5rem 0; } summary { cursor: pointer; font-weight: 600; }
@media (max-width: 40rem) { main { padding: .5rem; } th, td { padding: .3rem .4rem; } h1 { font-size: 1.25rem; } }
`;

/** A favicon of our own, so browsers do not fetch /favicon.ico into a 404. */
const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#8250df"/><circle cx="8" cy="8" r="4" fill="#fff"/></svg>';

export interface Asset {
  path: string;
  type: string;
  bytes: Buffer;
  etag: string;
}

/** An asset under a name that changes with its content, so it can be cached for a year. */
function fingerprinted(name: string, ext: string, type: string, text: string): Asset {
  const bytes = Buffer.from(text, 'utf8');
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { path: `/ui/assets/${name}.${hash}.${ext}`, type, bytes, etag: `"${hash}"` };
}

export const stylesheet = fingerprinted('console', 'css', 'text/css; charset=utf-8', STYLESHEET);
export const icon = fingerprinted('icon', 'svg', 'image/svg+xml', ICON);
export const ASSETS: readonly Asset[] = [stylesheet, icon];
