import type { VNode } from 'preact';
import type { Diagnostic } from '../../manifest/types.js';

function DiagnosticText({ d }: { d: Diagnostic }): VNode {
  return (
    <span class={`diag ${d.severity}`}>
      <strong>{d.severity}</strong> <code>{d.code}</code>
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
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
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
            <li><DiagnosticText d={d} /></li>
          ))}
        </ul>
      )}
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
