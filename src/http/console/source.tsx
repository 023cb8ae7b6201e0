import type { VNode } from 'preact';
import type { Diagnostic } from '../../manifest/types.js';

/** Lines drawn at most: a page of one row a line for 250,000 empty lines took seconds to render. */
const MAX_SOURCE_LINES = 5_000;
/** The line breaks the manifest reader counts (src/manifest/yaml.ts), so line numbers agree. */
const LINE_BREAK = /\r\n|[\r\n\x85\u2028\u2029]/;

function DiagnosticText({ d, withLine = false }: { d: Diagnostic; withLine?: boolean }): VNode {
  return (
    <span class={`diag ${d.severity}`}>
      <strong>{d.severity}</strong> <code>{d.code}</code>
      {withLine && d.line !== undefined && <span class="muted">{` line ${d.line}`}</span>}
      {d.column !== undefined && <span class="muted">{` col ${d.column}`}</span>}: {d.message}
      {d.hint !== undefined && <span class="hint">{` (${d.hint})`}</span>}
      {d.path !== '' && <span class="muted">{' at '}<code>{d.path}</code></span>}
    </span>
  );
}

export interface SourceProps {
  text: string;
  diagnostics: readonly Diagnostic[];
  caption: string;
}

/** A manifest with line numbers, each diagnostic in a row right under the line it points at. */
export function Source({ text, diagnostics, caption }: SourceProps): VNode {
  const all = text.split(LINE_BREAK, MAX_SOURCE_LINES + 2);
  if (all.length > 1 && all.at(-1) === '') all.pop();
  const cut = all.length > MAX_SOURCE_LINES;
  const lines = cut ? all.slice(0, MAX_SOURCE_LINES) : all;
  const atLine = new Map<number, Diagnostic[]>();
  const elsewhere: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (d.line !== undefined && d.line >= 1 && d.line <= lines.length) {
      const list = atLine.get(d.line) ?? [];
      list.push(d);
      atLine.set(d.line, list);
    } else elsewhere.push(d);
  }
  return (
    <>
      {elsewhere.length > 0 && (
        <ul class="file-diagnostics" aria-label="Diagnostics about the whole file">
          {elsewhere.map((d) => (
            <li><DiagnosticText d={d} withLine /></li>
          ))}
        </ul>
      )}
      {cut && <p class="muted">{`The text is longer than ${MAX_SOURCE_LINES} lines; only the first ${MAX_SOURCE_LINES} lines are shown.`}</p>}
      <div class="scroll">
        <table class="source">
          <caption>{caption}</caption>
          <thead class="skip">
            <tr><th scope="col">Line</th><th scope="col">Text</th></tr>
          </thead>
          <tbody>
            {lines.map((line, i) => {
              const n = i + 1;
              const notes = atLine.get(n) ?? [];
              return (
                <>
                  <tr id={`L${n}`} class={notes.length ? 'flagged' : undefined} data-line={n}>
                    <th scope="row">{n}</th>
                    <td class="code">{line}</td>
                  </tr>
                  {notes.map((d) => (
                    <tr class="note" data-diagnostic-line={n}>
                      <th scope="row"><span class="skip">{`diagnostic at line ${n}`}</span></th>
                      <td><DiagnosticText d={d} /></td>
                    </tr>
                  ))}
                </>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
